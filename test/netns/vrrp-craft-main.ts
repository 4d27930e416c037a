/**
 * Sends crafted VRRP packets out of eth0 of the namespace it runs in. Used by
 * vrrp-drops.test.ts:
 *
 *   node --import tsx test/netns/vrrp-craft-main.ts v4:<hex IPv4 datagram> ...
 *   node --import tsx test/netns/vrrp-craft-main.ts v6:<hop limit>:<destination>:<hex VRRP message> ...
 *
 * IPv4 datagrams go out whole (IPPROTO_RAW: header, TTL included, are ours). IPv6 messages go
 * out of a protocol 112 socket bound to eth0 with the given hop limit; their checksum is left as
 * crafted.
 */
import raw from 'raw-socket';

const SOL_SOCKET = 1;
const SO_BINDTODEVICE = 25;
const IPPROTO_RAW = 255;
const IPPROTO_IPV6 = 41;
const IPV6_UNICAST_HOPS = 16;
const IPV6_MULTICAST_HOPS = 18;

function socketFor(opts: { protocol: number; addressFamily?: number }): ReturnType<typeof raw.createSocket> {
  const s = raw.createSocket(opts);
  const dev = Buffer.from('eth0\0');
  s.setOption(SOL_SOCKET, SO_BINDTODEVICE, dev, dev.length);
  return s;
}

function send(s: ReturnType<typeof raw.createSocket>, data: Buffer, dst: string): Promise<void> {
  return new Promise((resolve, reject) => {
    s.send(data, 0, data.length, dst, (err) => (err ? reject(err) : resolve()));
  });
}

const v4 = socketFor({ protocol: IPPROTO_RAW });
const v6 = socketFor({ protocol: 112, addressFamily: raw.AddressFamily.IPv6 });
for (const arg of process.argv.slice(2)) {
  if (arg.startsWith('v4:')) {
    const d = Buffer.from(arg.slice(3), 'hex');
    await send(v4, d, `${d[16]}.${d[17]}.${d[18]}.${d[19]}`);
    continue;
  }
  const [, hops = '255', ...rest] = arg.split(':');
  const hex = rest.pop() ?? '';
  const dst = rest.join(':');
  v6.setOption(IPPROTO_IPV6, IPV6_MULTICAST_HOPS, Number(hops));
  v6.setOption(IPPROTO_IPV6, IPV6_UNICAST_HOPS, Number(hops));
  await send(v6, Buffer.from(hex, 'hex'), dst);
}
v4.close();
v6.close();
