/**
 * Pure builders of the link-layer announcements a new master sends: gratuitous ARP
 * (keepalived vrrp_arp.c, send_gratuitous_arp_immediate) and unsolicited Neighbor
 * Advertisement (keepalived vrrp_ndisc.c, ndisc_send_unsolicited_na; RFC 4861 §7.2.6).
 */
import { internetChecksum, pseudoHeader } from './checksum.js';
import { parseIP } from './ip-codec.js';

/** EtherType of ARP. */
export const ETH_P_ARP = 0x0806;
/** EtherType of IPv6. */
export const ETH_P_IPV6 = 0x86dd;
const ICMPV6_NA = 136;
const IPPROTO_ICMPV6 = 58;
const ND_OPT_TARGET_LINKADDR = 2;
const ND_NA_FLAG_ROUTER = 0x80;
const ND_NA_FLAG_OVERRIDE = 0x20;

/** Parses `aa:bb:cc:dd:ee:ff`. */
export function parseMac(text: string): Uint8Array {
  const parts = text.split(':');
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) {
    throw new RangeError(`not a MAC address: ${text}`);
  }
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new RangeError(`not an ${what} address`);
  return v;
}

/**
 * Gratuitous ARP as keepalived sends it: a broadcast ARP *request* whose sender and target
 * protocol addresses are both the VIP and whose target hardware address is broadcast.
 */
export function buildGratuitousArp(mac: Uint8Array, ipv4: string): Uint8Array {
  const ip = need(parseIP(ipv4, 4)?.bytes, 'IPv4');
  const f = new Uint8Array(42);
  const v = new DataView(f.buffer);
  f.fill(0xff, 0, 6);
  f.set(mac, 6);
  v.setUint16(12, ETH_P_ARP);
  v.setUint16(14, 1); // ARPHRD_ETHER
  v.setUint16(16, 0x0800);
  f[18] = 6;
  f[19] = 4;
  v.setUint16(20, 1); // ARPOP_REQUEST
  f.set(mac, 22);
  f.set(ip, 28);
  f.fill(0xff, 32, 38);
  f.set(ip, 38);
  return f;
}

/**
 * Unsolicited Neighbor Advertisement for `ipv6` to all-nodes (ff02::1), hop limit 255,
 * Override flag set (Router flag when the node forwards), with the target link-layer option.
 */
export function buildUnsolicitedNa(mac: Uint8Array, ipv6: string, opts: { router?: boolean } = {}): Uint8Array {
  const target = need(parseIP(ipv6, 6)?.bytes, 'IPv6');
  const allNodes = need(parseIP('ff02::1', 6)?.bytes, 'IPv6');
  const body = new Uint8Array(32);
  body[0] = ICMPV6_NA;
  body[4] = ND_NA_FLAG_OVERRIDE | (opts.router ? ND_NA_FLAG_ROUTER : 0);
  body.set(target, 8);
  body[24] = ND_OPT_TARGET_LINKADDR;
  body[25] = 1;
  body.set(mac, 26);
  // ICMPv6 checksum with the IPv6 pseudo-header (RFC 4443 §2.3, RFC 8200 §8.1).
  const checksum = internetChecksum(pseudoHeader(target, allNodes, IPPROTO_ICMPV6, body.length), body);
  new DataView(body.buffer).setUint16(2, checksum);
  const f = new Uint8Array(14 + 40 + body.length);
  const v = new DataView(f.buffer);
  f.set([0x33, 0x33, 0, 0, 0, 1], 0);
  f.set(mac, 6);
  v.setUint16(12, ETH_P_IPV6);
  v.setUint32(14, 0x60000000);
  v.setUint16(18, body.length);
  f[20] = IPPROTO_ICMPV6;
  f[21] = 255;
  f.set(target, 22);
  f.set(allNodes, 38);
  f.set(body, 54);
  return f;
}
