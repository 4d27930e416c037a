import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { formatIp, formatIpv6, ipFromBytes, parseIP } from '../../../src/net/ip-codec.js';

/**
 * Reference: the IPv6 formatter src/ipvs/address.ts had before the codec was unified, a
 * line-by-line port of glibc's inet_ntop6 (resolv/inet_ntop.c), checked against ipvsadm.
 */
function referenceFormatIpv6(b: Uint8Array): string {
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
      out += `${b[12] ?? 0}.${b[13] ?? 0}.${b[14] ?? 0}.${b[15] ?? 0}`;
      break;
    }
    out += (words[i] ?? 0).toString(16);
  }
  if (bestBase !== -1 && bestBase + bestLen === 8) out += ':';
  return out;
}

/** Seeded LCG (glibc's constants): the same inputs on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s >>> 16;
  };
}

/** Random 16 bytes shaped to hit the formatter's branches: zero runs, mapped and compatible forms. */
function randomIpv6(next: () => number): Uint8Array {
  const b = new Uint8Array(16);
  for (let i = 0; i < 16; i++) b[i] = next() & 0xff;
  switch (next() % 8) {
    case 0: // mapped
      b.fill(0, 0, 10);
      b[10] = 0xff;
      b[11] = 0xff;
      break;
    case 1: // compatible
      b.fill(0, 0, 12);
      break;
    case 2: {
      // one zero run somewhere
      const from = (next() % 8) * 2;
      b.fill(0, from, Math.min(16, from + (next() % 8) * 2));
      break;
    }
    case 3:
      // several runs of zero words, ties included
      for (let w = 0; w < 8; w++) if (next() % 2) b.fill(0, 2 * w, 2 * w + 2);
      break;
    case 4: // small words: leading-zero trimming
      for (let w = 0; w < 8; w++) b[2 * w] = 0;
      break;
    default:
      break;
  }
  return b;
}

const SEEDS = 4000;

describe('ip-codec properties', () => {
  it(`IPv6 text equals glibc inet_ntop (the reference) for ${SEEDS} random addresses`, () => {
    const next = rng(1);
    for (let n = 0; n < SEEDS; n++) {
      const b = randomIpv6(next);
      expect(formatIpv6(b), Buffer.from(b).toString('hex')).toBe(referenceFormatIpv6(b));
    }
  });

  it('IPv6 text equals ipaddr.js RFC 5952 text except for the IPv4-tail forms', () => {
    const next = rng(2);
    for (let n = 0; n < SEEDS; n++) {
      const b = randomIpv6(next);
      const text = formatIpv6(b);
      if (text.includes('.')) continue;
      expect(text).toBe(new ipaddr.IPv6([...b]).toRFC5952String());
    }
  });

  it(`parse(format(bytes)) round-trips ${SEEDS} random IPv4 and IPv6 addresses`, () => {
    const next = rng(3);
    for (let n = 0; n < SEEDS; n++) {
      const b6 = randomIpv6(next);
      const b4 = Uint8Array.from([next() & 0xff, next() & 0xff, next() & 0xff, next() & 0xff]);
      for (const b of [b4, b6]) {
        const ip = parseIP(formatIp(b));
        expect(ip).toEqual(ipFromBytes(b));
        expect(ip?.family).toBe(b.length === 4 ? 4 : 6);
      }
    }
  });

  it('parses every spelling of an address to the same bytes: uncompressed, upper case, dotted tail', () => {
    const next = rng(4);
    for (let n = 0; n < SEEDS; n++) {
      const b = randomIpv6(next);
      const words = Array.from({ length: 8 }, (_, i) => (((b[2 * i] ?? 0) << 8) | (b[2 * i + 1] ?? 0)).toString(16));
      const full = words.join(':');
      const padded = words.map((w) => w.padStart(4, '0').toUpperCase()).join(':');
      const dotted = `${words.slice(0, 6).join(':')}:${b[12] ?? 0}.${b[13] ?? 0}.${b[14] ?? 0}.${b[15] ?? 0}`;
      for (const text of [full, padded, dotted]) expect(parseIP(text)?.bytes, text).toEqual(b);
    }
  });
});
