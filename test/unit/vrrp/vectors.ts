/**
 * Reads the keepalived 2.2.7 captures in test/fixtures/vrrp/keepalived-2.2.7 (copied from the
 * project's shared vectors): VECTORS.txt lines and classic pcap files.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../../fixtures/vrrp/keepalived-2.2.7/', import.meta.url));

/** Named frames of VECTORS.txt (Ethernet, destination MAC first). */
export function readVectors(): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const line of readFileSync(`${dir}VECTORS.txt`, 'utf8').split('\n')) {
    const m = /^(\w+) \| ([0-9a-f]+)$/.exec(line.trim());
    if (m?.[1] && m[2]) out.set(m[1], Uint8Array.from(Buffer.from(m[2], 'hex')));
  }
  return out;
}

/** The frames of a pcap file (microsecond, little-endian, Ethernet link type). */
export function readPcap(name: string): Uint8Array[] {
  const buf = readFileSync(`${dir}${name}`);
  if (buf.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error(`${name}: not a little-endian pcap`);
  const frames: Uint8Array[] = [];
  for (let off = 24; off + 16 <= buf.length;) {
    const caplen = buf.readUInt32LE(off + 8);
    frames.push(Uint8Array.from(buf.subarray(off + 16, off + 16 + caplen)));
    off += 16 + caplen;
  }
  return frames;
}

/** EtherType of a frame. */
export function etherType(frame: Uint8Array): number {
  return ((frame[12] ?? 0) << 8) | (frame[13] ?? 0);
}
