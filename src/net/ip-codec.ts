import ipaddr from 'ipaddr.js';

/**
 * The one IP address codec: strict text → bytes (ipaddr.js parses), bytes → text exactly as
 * glibc's inet_ntop prints it (what ip(8), ipvsadm and keepalived show), prefixes, ordering.
 * Pure: no `node:net`, no I/O, so the pure codecs can use it.
 */

export type Family = 4 | 6;

/** An address parsed once: its family, canonical text and network-order bytes (4 or 16). */
export interface IpAddress {
  readonly family: Family;
  /** Canonical text: dotted quad, or IPv6 as glibc inet_ntop prints it (see {@link formatIpv6}). */
  readonly text: string;
  readonly bytes: Uint8Array;
}

/** The name src/api has always used for {@link IpAddress}. */
export type ParsedIP = IpAddress;

/** An address and a prefix length within its family's width. */
export interface ParsedPrefix {
  readonly ip: IpAddress;
  readonly prefixLength: number;
}

/** Formats 4 bytes from `at` as a dotted quad. */
export function formatIpv4(b: Uint8Array, at = 0): string {
  return `${b[at] ?? 0}.${b[at + 1] ?? 0}.${b[at + 2] ?? 0}.${b[at + 3] ?? 0}`;
}

/**
 * Formats 16 bytes from `at` as IPv6 exactly as glibc's inet_ntop (resolv/inet_ntop.c,
 * inet_ntop6): the longest run of two or more zero groups (the first of equal runs) becomes
 * `::`, which is RFC 5952 §4.2, and `::a.b.c.d` / `::ffff:a.b.c.d` keep their IPv4 tail.
 * This is the hot path of IPVS dumps (100,000 destinations): it reads at an offset, so the
 * caller makes no sub-buffer.
 */
export function formatIpv6(b: Uint8Array, at = 0): string {
  const words: number[] = [];
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  let curLen = 0;
  for (let i = 0; i < 8; i++) {
    const w = ((b[at + 2 * i] ?? 0) << 8) | (b[at + 2 * i + 1] ?? 0);
    words.push(w);
    if (w === 0) {
      if (curBase === -1) {
        curBase = i;
        curLen = 1;
      } else curLen++;
      if (curLen > bestLen) {
        bestBase = curBase;
        bestLen = curLen;
      }
    } else curBase = -1;
  }
  if (bestLen < 2) bestBase = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase !== -1 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      out += formatIpv4(b, at + 12);
      break;
    }
    out += (words[i] ?? 0).toString(16);
  }
  if (bestBase !== -1 && bestBase + bestLen === 8) out += ':';
  return out;
}

/** Formats 4 or 16 bytes (by length) as canonical text. */
export function formatIp(bytes: Uint8Array): string {
  return bytes.length === 4 ? formatIpv4(bytes) : formatIpv6(bytes);
}

/** 4 or 16 bytes as an {@link IpAddress} (copied); undefined for any other length. */
export function ipFromBytes(bytes: Uint8Array): IpAddress | undefined {
  if (bytes.length === 4) return { family: 4, text: formatIpv4(bytes), bytes: Uint8Array.from(bytes) };
  if (bytes.length === 16) return { family: 6, text: formatIpv6(bytes), bytes: Uint8Array.from(bytes) };
  return undefined;
}

/** Four decimal parts without leading zeros (ipaddr.js checks each is at most 255). */
const FOUR_PART_DECIMAL = /^(?:0|[1-9]\d{0,2})(?:\.(?:0|[1-9]\d{0,2})){3}$/;

/** ipaddr.js's parse, or undefined where it throws: one pass instead of isValid + parse. */
function tryParse<T>(parse: (text: string) => T, text: string): T | undefined {
  try {
    return parse(text);
  } catch {
    return undefined;
  }
}

function parseIpv4Bytes(text: string): Uint8Array | undefined {
  // Four decimal parts, no leading zeros: ipaddr.js's other IPv4 forms (octal, hex, fewer
  // parts) are what inet_aton takes, not what an address field means.
  if (!FOUR_PART_DECIMAL.test(text)) return undefined;
  const a = tryParse((t) => ipaddr.IPv4.parse(t), text);
  return a && Uint8Array.from(a.octets);
}

function parseIpv6Bytes(text: string): Uint8Array | undefined {
  if (text.includes('%')) return undefined; // a zone names a link, not an address
  let hex = text;
  const dot = text.indexOf('.');
  if (dot !== -1) {
    // ipaddr.js 2.5.0 reads `::a.b.c.d` as `::ffff:a.b.c.d` and takes octal and hex parts in
    // the tail: check the tail as strict IPv4 and hand ipaddr.js two hex groups instead.
    const colon = text.lastIndexOf(':');
    if (colon === -1 || colon > dot) return undefined;
    const v4 = parseIpv4Bytes(text.slice(colon + 1));
    if (!v4) return undefined;
    const hi = (((v4[0] ?? 0) << 8) | (v4[1] ?? 0)).toString(16);
    const lo = (((v4[2] ?? 0) << 8) | (v4[3] ?? 0)).toString(16);
    hex = `${text.slice(0, colon + 1)}${hi}:${lo}`;
  }
  const a = tryParse((t) => ipaddr.IPv6.parse(t), hex);
  return a && Uint8Array.from(a.toByteArray());
}

/**
 * Parses an address: IPv4 as a full dotted quad without leading zeros, IPv6 as RFC 4291 §2.2
 * text (with `::` and an optional dotted-quad tail) without a zone. With `family`, only that
 * family is accepted. Undefined when the text is not one.
 */
export function parseIP(text: string, family?: Family): IpAddress | undefined {
  const v6 = text.includes(':');
  if (family !== undefined && family !== (v6 ? 6 : 4)) return undefined;
  const bytes = v6 ? parseIpv6Bytes(text) : parseIpv4Bytes(text);
  if (!bytes) return undefined;
  return v6 ? { family: 6, text: formatIpv6(bytes), bytes } : { family: 4, text: formatIpv4(bytes), bytes };
}

/** True for an IPv4 or IPv6 address. */
export function isIP(text: string): boolean {
  return parseIP(text) !== undefined;
}

/** Canonical text of an address, or undefined if it does not parse. */
export function canonicalIp(text: string): string | undefined {
  return parseIP(text)?.text;
}

/** Family of an address text: 4, 6, or undefined. */
export function familyOf(text: string): Family | undefined {
  return parseIP(text)?.family;
}

/**
 * "10.0.0.1/24", "2001:db8::1/64", or a bare address (a host prefix: /32 or /128, as
 * keepalived assumes for a virtual_ipaddress without a mask).
 */
export function parseAddressWithPrefix(text: string): ParsedPrefix | undefined {
  const slash = text.indexOf('/');
  const ip = parseIP(slash < 0 ? text : text.slice(0, slash));
  if (!ip) return undefined;
  const max = ip.family === 4 ? 32 : 128;
  if (slash < 0) return { ip, prefixLength: max };
  const lenText = text.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(lenText)) return undefined;
  const prefixLength = Number(lenText);
  return prefixLength <= max ? { ip, prefixLength } : undefined;
}

/** "ip:port" with IPv6 in brackets, as ipvsadm and URLs write it. */
export function formatHostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Compares the bytes of two addresses as unsigned integers: <0, 0, >0 (IPv4 before IPv6). */
export function compareBytes(x: Uint8Array, y: Uint8Array): number {
  if (x.length !== y.length) return x.length - y.length;
  for (let i = 0; i < x.length; i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Compares two address texts of the same family as unsigned integers: <0, 0, >0; 0 when
 * either does not parse or the families differ.
 */
export function compareIp(a: string, b: string): number {
  const x = parseIP(a);
  const y = parseIP(b);
  if (!x || !y || x.family !== y.family) return 0;
  return compareBytes(x.bytes, y.bytes);
}

/**
 * True when both texts are addresses of one family with the same bytes. Unlike
 * `compareIp(a, b) === 0`, an address that does not parse, or one of the other family, is
 * never the same: a membership test (is this source a configured peer?) must not pass on it.
 */
export function sameIp(a: string, b: string): boolean {
  const x = parseIP(a);
  const y = parseIP(b);
  return x !== undefined && y !== undefined && compareBytes(x.bytes, y.bytes) === 0;
}
