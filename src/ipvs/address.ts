import { parseIpv4, parseIpv6 } from '../net/index.js';
import type { AddressFamily } from './types.js';

export { parseIpv4, parseIpv6 };

/**
 * Pure conversions between IP address text and the 16-byte `union nf_inet_addr` that IPVS
 * carries in IPVS_SVC_ATTR_ADDR and IPVS_DEST_ATTR_ADDR (IPv4 in the first 4 bytes). Text is
 * printed as glibc's inet_ntop does, which is what ipvsadm shows.
 */

/** The family of an address text, or undefined when it is neither. */
export function familyOf(text: string): AddressFamily | undefined {
  if (parseIpv4(text) !== undefined) return 'inet';
  if (parseIpv6(text) !== undefined) return 'inet6';
  return undefined;
}

/** Formats 4 bytes as dotted-quad IPv4. */
export function formatIpv4(b: Uint8Array): string {
  return `${b[0] ?? 0}.${b[1] ?? 0}.${b[2] ?? 0}.${b[3] ?? 0}`;
}

/**
 * Formats 16 bytes as IPv6 exactly as glibc's inet_ntop: the longest run of two or more zero
 * groups (the first of equal runs) becomes `::`, and `::a.b.c.d` / `::ffff:a.b.c.d` keep their
 * IPv4 tail (resolv/inet_ntop.c, inet_ntop6).
 */
export function formatIpv6(b: Uint8Array): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push(((b[2 * i] ?? 0) << 8) | (b[2 * i + 1] ?? 0));
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  let curLen = 0;
  for (let i = 0; i < 8; i++) {
    if (words[i] === 0) {
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
      out += formatIpv4(b.subarray(12, 16));
      break;
    }
    out += (words[i] ?? 0).toString(16);
  }
  if (bestBase !== -1 && bestBase + bestLen === 8) out += ':';
  return out;
}

/** Address text to the 16-byte union nf_inet_addr; undefined when it is not of `af`. */
export function addressToBytes(af: AddressFamily, text: string): Uint8Array | undefined {
  const raw = af === 'inet' ? parseIpv4(text) : parseIpv6(text);
  if (!raw) return undefined;
  const out = new Uint8Array(16);
  out.set(raw);
  return out;
}

/** The union nf_inet_addr bytes (4 or 16 significant) to canonical text. */
export function bytesToAddress(af: AddressFamily, b: Uint8Array): string {
  return af === 'inet' ? formatIpv4(b) : formatIpv6(b);
}

/** Canonical text of an address of either family; undefined when it does not parse. */
export function canonicalAddress(text: string): { af: AddressFamily; address: string } | undefined {
  const v4 = parseIpv4(text);
  if (v4) return { af: 'inet', address: formatIpv4(v4) };
  const v6 = parseIpv6(text);
  if (v6) return { af: 'inet6', address: formatIpv6(v6) };
  return undefined;
}
