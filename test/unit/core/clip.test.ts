import { describe, expect, it } from 'vitest';
import { clip, CLIP_LENGTH, quoted } from '../../../src/core/clip.js';

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

describe('quoted', () => {
  it.each([
    { value: '/usr/bin/check', expected: '"/usr/bin/check"' },
    { value: '', expected: '""' },
    { value: 'say "hi" \\ bye', expected: '"say \\"hi\\" \\\\ bye"' },
    { value: 'a\u0000b', expected: '"a\\x00b"' },
  ])('$value', ({ value, expected }) => {
    expect(quoted(value)).toBe(expected);
  });

  it('cuts like clip', () => {
    expect(quoted('x'.repeat(100), 5)).toBe('"xxxxx… (+95 characters)"');
  });
});
