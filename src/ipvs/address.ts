import { formatIpv4, formatIpv6, parseIP, type Family } from '../net/index.js';
import type { AddressFamily } from './types.js';

/**
 * What is IPVS's own about addresses: the family names ('inet', 'inet6') and the 16-byte
 * `union nf_inet_addr` that IPVS carries in IPVS_SVC_ATTR_ADDR and IPVS_DEST_ATTR_ADDR (IPv4
 * in the first 4 bytes). Parsing and text are src/net's codec, which prints as glibc's
 * inet_ntop does, which is what ipvsadm shows.
 */

/** The IPVS family of a codec family. */
export function addressFamilyOf(family: Family): AddressFamily {
  return family === 4 ? 'inet' : 'inet6';
}

/** The codec family of an IPVS family. */
export function familyNumber(af: AddressFamily): Family {
  return af === 'inet' ? 4 : 6;
}

/** Address text to the 16-byte union nf_inet_addr; undefined when it is not of `af`. */
export function addressToBytes(af: AddressFamily, text: string): Uint8Array | undefined {
  const ip = parseIP(text, familyNumber(af));
  if (!ip) return undefined;
  const out = new Uint8Array(16);
  out.set(ip.bytes);
  return out;
}

/** The union nf_inet_addr bytes (4 or 16 significant, from `at`) to canonical text. */
export function bytesToAddress(af: AddressFamily, b: Uint8Array, at = 0): string {
  return af === 'inet' ? formatIpv4(b, at) : formatIpv6(b, at);
}

/** Canonical text of an address of either family; undefined when it does not parse. */
export function canonicalAddress(text: string): { af: AddressFamily; address: string } | undefined {
  const ip = parseIP(text);
  return ip ? { af: addressFamilyOf(ip.family), address: ip.text } : undefined;
}
