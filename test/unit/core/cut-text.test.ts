import { describe, expect, it } from 'vitest';
import { cutText } from '../../../src/core/cut-text.js';

describe('cutText', () => {
  it.each([
    { name: 'short text is kept', text: '10.0.0.1', max: 64, expected: '10.0.0.1' },
    { name: 'exactly max is kept', text: 'abcd', max: 4, expected: 'abcd' },
    { name: 'longer text is cut and its length given', text: 'abcdef', max: 4, expected: 'abcd…(6 characters)' },
    {
      name: 'the default is 64',
      text: 'x'.repeat(100),
      max: undefined,
      expected: `${'x'.repeat(64)}…(100 characters)`,
    },
  ])('$name', ({ text, max, expected }) => {
    expect(cutText(text, max)).toBe(expected);
  });
});
