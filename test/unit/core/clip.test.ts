import { describe, expect, it } from 'vitest';
import { clip, CLIP_LENGTH } from '../../../src/core/clip.js';

describe('clip', () => {
  it('keeps a short value as it is', () => {
    expect(clip('web-1')).toBe('web-1');
    expect(clip('x'.repeat(CLIP_LENGTH))).toBe('x'.repeat(CLIP_LENGTH));
  });

  it('cuts a long value and says how much was left out', () => {
    expect(clip('a'.repeat(10_000_000))).toBe(`${'a'.repeat(CLIP_LENGTH)}… (+${10_000_000 - CLIP_LENGTH} characters)`);
    expect(clip('abcdef', 3)).toBe('abc… (+3 characters)');
  });

  it('escapes control characters so a value cannot forge another line', () => {
    expect(clip('a\nb\u0000c\u001b')).toBe('a\\x0ab\\x00c\\x1b');
  });
});
