import { describe, expect, it } from 'vitest';
import { internetChecksum, pseudoHeader } from '../../../src/net/checksum.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s/g, ''), 'hex'));

describe('internetChecksum', () => {
  it.each([
    // RFC 1071 §3 worked example: the sum of 0001 f203 f4f5 f6f7 is ddf2, the checksum its complement.
    { name: 'RFC 1071 §3 example', chunks: ['0001f203f4f5f6f7'], expected: 0x220d },
    // The IPv4 header of the classic example (Wikipedia, "IPv4 header checksum"): b861.
    { name: 'IPv4 header', chunks: ['450000730000400040110000c0a80001c0a800c7'], expected: 0xb861 },
    { name: 'nothing', chunks: [], expected: 0xffff },
    { name: 'zeros', chunks: ['0000'], expected: 0xffff },
    { name: 'odd length: the last byte is the high half of a word', chunks: ['01'], expected: 0xfeff },
    { name: 'odd length, three bytes', chunks: ['0102 03'], expected: ~(0x0102 + 0x0300) & 0xffff },
    { name: 'carries fold back in', chunks: ['ffff ffff 0001'], expected: ~0x0001 & 0xffff },
    { name: 'an odd chunk pairs with the next one', chunks: ['01', '02'], expected: ~0x0102 & 0xffff },
    { name: 'empty chunks are skipped', chunks: ['', '01', '', '0203'], expected: ~(0x0102 + 0x0300) & 0xffff },
  ])('$name', ({ chunks, expected }) => {
    expect(internetChecksum(...chunks.map(hex))).toBe(expected);
  });

  it('splitting the bytes anywhere does not change the sum', () => {
    const data = Uint8Array.from({ length: 257 }, (_, i) => (i * 37 + 11) & 0xff);
    const whole = internetChecksum(data);
    for (let cut = 0; cut <= data.length; cut++)
      expect(internetChecksum(data.subarray(0, cut), data.subarray(cut))).toBe(whole);
  });

  it('data with its checksum in place sums to 0', () => {
    const header = hex('450000730000400040110000c0a80001c0a800c7');
    new DataView(header.buffer).setUint16(10, internetChecksum(header));
    expect(internetChecksum(header)).toBe(0);
  });

  it('stays exact past 32 bits of sum (more than 128 KiB of 0xff)', () => {
    expect(internetChecksum(new Uint8Array(1 << 20).fill(0xff))).toBe(0);
    expect(internetChecksum(new Uint8Array(1 << 20).fill(0xff), hex('0001'))).toBe(0xfffe);
  });
});

describe('pseudoHeader', () => {
  it('IPv4: source, destination, zero, protocol, 16-bit length (RFC 9293 §3.1)', () => {
    expect(pseudoHeader(hex('c0000201'), hex('c0000202'), 6, 24)).toEqual(hex('c0000201 c0000202 00 06 0018'));
  });

  it('IPv6: source, destination, 32-bit length, zeros, next header (RFC 8200 §8.1)', () => {
    const a = hex('20010db8000000000000000000000001');
    const b = hex('ff020000000000000000000000000012');
    expect(pseudoHeader(a, b, 112, 20)).toEqual(Uint8Array.from([...a, ...b, 0, 0, 0, 20, 0, 0, 0, 112]));
  });

  it('refuses addresses of two families', () => {
    expect(() => pseudoHeader(new Uint8Array(4), new Uint8Array(16), 6, 0)).toThrow(RangeError);
  });
});
