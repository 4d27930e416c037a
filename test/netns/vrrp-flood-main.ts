/**
 * Floods eth0 of the namespace it runs in with VRRPv3 adverts to 224.0.0.18 (or ff02::12 when
 * the VIP is IPv6), each from a new spoofed source (172.16.0.0/12, or fe80::ac10:0:0/96), one
 * address per packet, through an AF_PACKET socket of the
 * native addon (whole Ethernet frames, one sendto each). Used by vrrp-flood.test.ts:
 *
 *   node --import tsx test/netns/vrrp-flood-main.ts <count> <vrid> <vip> <pps, 0: unpaced> [flawed|answered]
 *
 * `flawed` (the default) cycles through flaws the speaker must drop, each a different reason:
 * an unknown VRID, the right VRID with a foreign address list at priority 254, a bad checksum,
 * TTL 1. `answered` sends valid adverts that a master answers at once: priority 0 and 50.
 * Prints one JSON line: { sent, elapsedMs }.
 */
import { readFileSync } from 'node:fs';
import { parseMac } from '../../src/net/frames.js';
import { NativePacketSockets } from '../../src/net/native.js';
import { parseIP } from '../../src/net/ip-codec.js';

const [countArg = '0', vridArg = '0', vip = '', rateArg = '0', mix = 'flawed'] = process.argv.slice(2);
const count = Number(countArg);
const vrid = Number(vridArg);
const rate = Number(rateArg);
const ifindex = Number(readFileSync('/sys/class/net/eth0/ifindex', 'utf8'));
const mac = parseMac(readFileSync('/sys/class/net/eth0/address', 'utf8').trim());
const vipBytes = parseIP(vip)?.bytes ?? new Uint8Array(16);

const ETH = 14;
const v6 = vip.includes(':');
const IP = v6 ? 40 : 20;
const ALEN = v6 ? 16 : 4;
const VRRP = 8 + ALEN;
const frame = Buffer.alloc(ETH + IP + VRRP);
// Ethernet: the VRRP group's MAC (RFC 1112 / RFC 2464 mapping of 224.0.0.18 / ff02::12), ours.
frame.set(v6 ? [0x33, 0x33, 0x00, 0x00, 0x00, 0x12] : [0x01, 0x00, 0x5e, 0x00, 0x00, 0x12], 0);
frame.set(mac, 6);
frame.writeUInt16BE(v6 ? 0x86dd : 0x0800, 12);
const group = parseIP(v6 ? 'ff02::12' : '224.0.0.18')?.bytes ?? new Uint8Array(ALEN);
const foreign = parseIP(v6 ? 'fd00:254::1' : '10.254.254.254')?.bytes ?? new Uint8Array(ALEN);

function sum16(b: Buffer, from: number, to: number, initial = 0): number {
  let s = initial;
  for (let i = from; i < to; i += 2) s += b.readUInt16BE(i);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** The IP header of packet `n`: a new source each time; returns the pseudo-header sum. */
function ipHeader(n: number, ttl: number): number {
  const ip = ETH;
  if (v6) {
    frame.writeUInt32BE(0x60000000, ip);
    frame.writeUInt16BE(VRRP, ip + 4);
    frame[ip + 6] = 112;
    frame[ip + 7] = ttl;
    // fe80::ac10:0:<n>: one link-local source per packet.
    frame.fill(0, ip + 8, ip + 24);
    frame.writeUInt16BE(0xfe80, ip + 8);
    frame.writeUInt32BE(0xac100000, ip + 16);
    frame.writeUInt32BE(n >>> 0, ip + 20);
    frame.set(group, ip + 24);
    // RFC 8200 §8.1 pseudo-header: addresses, upper-layer length, next header.
    return sum16(frame, ip + 8, ip + 40, VRRP + 112);
  }
  frame[ip] = 0x45;
  frame[ip + 1] = 0xc0;
  frame.writeUInt16BE(IP + VRRP, ip + 2);
  frame.writeUInt16BE(n & 0xffff, ip + 4);
  frame.writeUInt16BE(0, ip + 6);
  frame[ip + 8] = ttl;
  frame[ip + 9] = 112;
  frame.writeUInt16BE(0, ip + 10);
  frame.writeUInt32BE((0xac100000 + (n % 0x100000)) >>> 0, ip + 12); // 172.16.0.0/12
  frame.set(group, ip + 16);
  frame.writeUInt16BE(~sum16(frame, ip, ip + IP) & 0xffff, ip + 10);
  // RFC 5798 §5.2.8: the v3 checksum covers the IPv4 pseudo-header.
  return sum16(frame, ip + 12, ip + 20, 112 + VRRP);
}

function build(n: number): void {
  // 'answered': valid adverts a master answers at once, priority 0 and priority 50 in turn.
  if (mix === 'answered') return buildAnswered(n);
  const kind = n % 4;
  const pseudo = ipHeader(n, kind === 3 ? 1 : 255);
  const v = ETH + IP;
  frame[v] = 0x31;
  frame[v + 1] = kind === 0 ? (vrid % 255) + 1 : vrid;
  frame[v + 2] = 254;
  frame[v + 3] = 1;
  frame.writeUInt16BE(100, v + 4); // 1 s in centiseconds
  frame.writeUInt16BE(0, v + 6);
  frame.set(kind === 1 ? foreign : vipBytes, v + 8);
  const s = sum16(frame, v, v + VRRP, pseudo);
  frame.writeUInt16BE((~s & 0xffff) ^ (kind === 2 ? 0x5a5a : 0), v + 6);
}

function buildAnswered(n: number): void {
  const pseudo = ipHeader(n, 255);
  const v = ETH + IP;
  frame[v] = 0x31;
  frame[v + 1] = vrid;
  frame[v + 2] = n % 2 === 0 ? 0 : 50;
  frame[v + 3] = 1;
  frame.writeUInt16BE(100, v + 4);
  frame.writeUInt16BE(0, v + 6);
  frame.set(vipBytes, v + 8);
  frame.writeUInt16BE(~sum16(frame, v, v + VRRP, pseudo) & 0xffff, v + 6);
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
  // Paced: wait until the schedule catches up with what was sent (rate 0: as fast as it goes).
  const due = rate > 0 ? started + (sent / rate) * 1000 : 0;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}
socket.close();
process.stdout.write(`${JSON.stringify({ sent, elapsedMs: Math.round(performance.now() - started) })}\n`);
