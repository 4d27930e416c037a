import { describe, expect, it } from 'vitest';
import { excerpt } from '../../../src/core/excerpt.js';

describe('excerpt', () => {
  it.each([
    { name: 'short text is quoted as is', value: '/usr/bin/check', max: 80, expected: '"/usr/bin/check"' },
    { name: 'NUL and newline are escaped', value: 'a\u0000b\nc', max: 80, expected: '"a\\u0000b\\nc"' },
    { name: 'long text is cut with an ellipsis', value: 'x'.repeat(100), max: 5, expected: '"xxxxx…"' },
    { name: 'exactly max characters is not cut', value: 'abcde', max: 5, expected: '"abcde"' },
    { name: 'quotes are escaped', value: 'say "hi"', max: 80, expected: '"say \\"hi\\""' },
  ])('$name', ({ value, max, expected }) => {
    expect(excerpt(value, max)).toBe(expected);
  });
});
