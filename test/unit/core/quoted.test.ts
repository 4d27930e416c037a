import { describe, expect, it } from 'vitest';
import { quoted } from '../../../src/core/quoted.js';

describe('quoted', () => {
  it.each([
    { name: 'plain', input: 'rr', expected: '"rr"' },
    { name: 'cut with an ellipsis', input: 'x'.repeat(100), expected: `"${'x'.repeat(64)}…"` },
    { name: 'control characters escaped', input: 'a\x1b[2J\n', expected: '"a\\u001b[2J\\n"' },
    { name: 'quotes escaped', input: 'a"b', expected: '"a\\"b"' },
  ])('$name', ({ input, expected }) => {
    expect(quoted(input)).toBe(expected);
  });
});
