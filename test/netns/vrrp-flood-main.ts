/**
 * Floods eth0 of the namespace it runs in with VRRPv3 adverts to 224.0.0.18, each from a new
 * spoofed source (172.16.0.0/12, one address per packet), through an AF_PACKET socket of the
 * native addon (whole Ethernet frames, one sendto each). Used by vrrp-flood.test.ts:
 *
 *   node --import tsx test/netns/vrrp-flood-main.ts <count> <vrid> <vip> <packets per second>
 *
 * The packets cycle through flaws the speaker must drop, each a different reason: an unknown
 * VRID, the right VRID with a foreign address list at priority 254, a bad checksum, TTL 1.
 * Prints one JSON line: { sent, elapsedMs }.
 */
import { readFileSync } from 'node:fs';
import { parseMac } from '../../src/net/frames.js';
import { NativePacketSockets } from '../../src/net/native.js';
import { parseIp } from '../../src/net/ip-codec.js';

const [countArg = '0', vridArg = '0', vip = '', rateArg = '0'] = process.argv.slice(2);
const count = Number(countArg);
const vrid = Number(vridArg);
const rate = Number(rateArg);
const ifindex = Number(readFileSync('/sys/class/net/eth0/ifindex', 'utf8'));
const mac = parseMac(readFileSync('/sys/class/net/eth0/address', 'utf8').trim());
const vipBytes = parseIp(vip) ?? new Uint8Array(4);
const foreign = parseIp('10.254.254.254') ?? new Uint8Array(4);

const ETH = 14;
const IP = 20;
const VRRP = 8 + 4;
const frame = Buffer.alloc(ETH + IP + VRRP);
// Ethernet: the VRRP group's MAC (RFC 1112 mapping of 224.0.0.18), ours, IPv4.
frame.set([0x01, 0x00, 0x5e, 0x00, 0x00, 0x12], 0);
frame.set(mac, 6);
frame.writeUInt16BE(0x0800, 12);

function sum16(b: Buffer, from: number, to: number, initial = 0): number {
  let s = initial;
  for (let i = from; i < to; i += 2) s += b.readUInt16BE(i);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

function build(n: number): void {
  const kind = n % 4;
  const src = 0xac100000 + (n % 0x100000); // 172.16.0.0/12
  const ip = ETH;
  frame[ip] = 0x45;
  frame[ip + 1] = 0xc0;
  frame.writeUInt16BE(IP + VRRP, ip + 2);
  frame.writeUInt16BE(n & 0xffff, ip + 4);
  frame.writeUInt16BE(0, ip + 6);
  frame[ip + 8] = kind === 3 ? 1 : 255;
  frame[ip + 9] = 112;
  frame.writeUInt16BE(0, ip + 10);
  frame.writeUInt32BE(src >>> 0, ip + 12);
  frame.set([224, 0, 0, 18], ip + 16);
  frame.writeUInt16BE(~sum16(frame, ip, ip + IP) & 0xffff, ip + 10);
  const v = ETH + IP;
  frame[v] = 0x31;
  frame[v + 1] = kind === 0 ? (vrid % 255) + 1 : vrid;
  frame[v + 2] = 254;
  frame[v + 3] = 1;
  frame.writeUInt16BE(100, v + 4); // 1 s in centiseconds
  frame.writeUInt16BE(0, v + 6);
  frame.set(kind === 1 ? foreign : vipBytes, v + 8);
  // RFC 5798 §5.2.8: the checksum covers the IPv4 pseudo-header.
  let s = sum16(frame, ip + 12, ip + 20, 112 + VRRP);
  s = sum16(frame, v, v + VRRP, s);
  frame.writeUInt16BE((~s & 0xffff) ^ (kind === 2 ? 0x5a5a : 0), v + 6);
}

const socket = new NativePacketSockets().open(ifindex, 0);
const started = performance.now();
const BATCH = 500;
let sent = 0;
while (sent < count) {
  const end = Math.min(count, sent + BATCH);
  for (; sent < end; sent++) {
    build(sent);
    socket.send(frame);
  }
  // Paced: wait until the schedule catches up with what was sent.
  const due = started + (sent / rate) * 1000;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}
socket.close();
process.stdout.write(`${JSON.stringify({ sent, elapsedMs: Math.round(performance.now() - started) })}\n`);
