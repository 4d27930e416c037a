import { describe, expect, it } from 'vitest';
import { BoundedBytes } from '../../../src/health/bounded-bytes.js';

describe('BoundedBytes', () => {
  it('collects 1-byte chunks in order and grows to its limit only', () => {
    const bytes = new BoundedBytes(10, 2);
    const taken = Array.from('abcdefghijkl', (c) => bytes.append(Buffer.from(c)));
    expect(taken).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
    expect(bytes.bytes().toString()).toBe('abcdefghij');
    expect(bytes.length).toBe(10);
  });

  it('takes what fits of a chunk that crosses the limit', () => {
    const bytes = new BoundedBytes(8);
    expect(bytes.append(Buffer.from('12345'))).toBe(5);
    expect(bytes.append(Buffer.from('67890'))).toBe(3);
    expect(bytes.bytes().toString()).toBe('12345678');
  });
});
