/**
 * The Internet checksum (RFC 1071) and the pseudo-headers that TCP, UDP, ICMPv6 and VRRPv3
 * put under it. Pure: IPv4 headers, ICMP echoes, TCP probes, neighbour advertisements and
 * VRRP adverts all go through this one sum.
 */

/**
 * The 16-bit one's complement of the one's complement sum (RFC 1071 §4.1) of `chunks` read as
 * one byte string: an odd-length chunk's last byte pairs with the next chunk's first, and an
 * odd total is padded with a zero byte. Over data that carries its own correct checksum, 0.
 */
export function internetChecksum(...chunks: readonly Uint8Array[]): number {
  let sum = 0;
  let odd = -1; // a byte still waiting for its low half, or -1
  for (const c of chunks) {
    let i = 0;
    if (odd !== -1 && c.length > 0) {
      sum += (odd << 8) | (c[0] ?? 0);
      odd = -1;
      i = 1;
    }
    for (; i + 1 < c.length; i += 2) sum += ((c[i] ?? 0) << 8) | (c[i + 1] ?? 0);
    if (i < c.length) odd = c[i] ?? 0;
  }
  if (odd !== -1) sum += odd << 8;
  // Folded with arithmetic, not `>>> 16`: past 128 KiB of input the sum outgrows 32 bits, and it
  // stays an exact integer up to 2^53.
  while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/**
 * The pseudo-header of an upper-layer checksum: IPv4 (RFC 9293 §3.1, RFC 768) is source,
 * destination, zero, protocol and the 16-bit upper-layer length; IPv6 (RFC 8200 §8.1) is
 * source, destination, the 32-bit length, three zero bytes and the next header. The family is
 * the addresses' length (4 or 16 bytes each).
 */
export function pseudoHeader(src: Uint8Array, dst: Uint8Array, protocol: number, length: number): Uint8Array {
  if (src.length !== dst.length || (src.length !== 4 && src.length !== 16))
    throw new RangeError(`pseudo-header addresses of ${src.length} and ${dst.length} bytes`);
  const v6 = src.length === 16;
  const out = new Uint8Array(v6 ? 40 : 12);
  const view = new DataView(out.buffer);
  out.set(src, 0);
  out.set(dst, src.length);
  if (v6) {
    view.setUint32(32, length);
    out[39] = protocol;
  } else {
    out[9] = protocol;
    view.setUint16(10, length);
  }
  return out;
}
