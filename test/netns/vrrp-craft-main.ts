/**
 * Sends crafted IPv4 datagrams out of eth0 of the namespace it runs in (IPPROTO_RAW, so the
 * header is ours, TTL included). Used by vrrp-drops.test.ts:
 *
 *   node --import tsx test/netns/vrrp-craft-main.ts <hex datagram> [<hex datagram> ...]
 */
import raw from 'raw-socket';

const SOL_SOCKET = 1;
const SO_BINDTODEVICE = 25;
const IPPROTO_RAW = 255;

const socket = raw.createSocket({ protocol: IPPROTO_RAW });
const dev = Buffer.from('eth0\0');
socket.setOption(SOL_SOCKET, SO_BINDTODEVICE, dev, dev.length);
const datagrams = process.argv.slice(2).map((h) => Buffer.from(h, 'hex'));
let pending = datagrams.length;
for (const d of datagrams) {
  const dst = `${d[16]}.${d[17]}.${d[18]}.${d[19]}`;
  socket.send(d, 0, d.length, dst, (err) => {
    if (err) {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = 1;
    }
    if (--pending === 0) socket.close();
  });
}
