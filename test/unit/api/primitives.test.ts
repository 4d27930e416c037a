import { describe, expect, it } from 'vitest';
import {
  formatDurationMs,
  matchesSelector,
  parseAddressWithPrefix,
  parseDurationMs,
  parseIP,
} from '../../../src/api/index.js';

describe('durations', () => {
  it.each([
    ['1s', 1000],
    ['100ms', 100],
    ['1.5s', 1500],
    ['1m30s', 90_000],
    ['2h', 7_200_000],
    ['0s', 0],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });
  it.each(['', '1', '1 s', 's', '-1s', '1d'])('rejects %j', (text) => {
    expect(parseDurationMs(text)).toBeUndefined();
  });
  it.each([0, 10, 100, 1000, 1500, 60_000, 90_000, 3_600_000])('formats %d ms and parses it back', (ms) => {
    expect(parseDurationMs(formatDurationMs(ms))).toBe(ms);
  });
});

describe('addresses', () => {
  it('canonicalises IPv6 and keeps IPv4 dotted quads', () => {
    expect(parseIP('2001:DB8:0:0::1')?.text).toBe('2001:db8::1');
    expect(parseIP('10.0.0.1')).toMatchObject({ family: 4, text: '10.0.0.1' });
  });
  it.each(['10.0.1', '010.0.0.1x', '256.0.0.1', 'fe80::1%eth0', 'host'])('rejects %j', (text) => {
    expect(parseIP(text)).toBeUndefined();
  });
  it('treats a bare address as a host prefix', () => {
    expect(parseAddressWithPrefix('10.0.0.1')?.prefixLength).toBe(32);
    expect(parseAddressWithPrefix('2001:db8::1')?.prefixLength).toBe(128);
    expect(parseAddressWithPrefix('10.0.0.1/24')?.prefixLength).toBe(24);
  });
});

describe('label selectors', () => {
  it.each([
    { selector: {}, labels: {}, expected: true },
    { selector: { matchLabels: { app: 'web' } }, labels: { app: 'web', x: 'y' }, expected: true },
    { selector: { matchLabels: { app: 'web' } }, labels: { app: 'api' }, expected: false },
    {
      selector: { matchExpressions: [{ key: 'tier', operator: 'In' as const, values: ['a', 'b'] }] },
      labels: { tier: 'b' },
      expected: true,
    },
    {
      selector: { matchExpressions: [{ key: 'tier', operator: 'NotIn' as const, values: ['a'] }] },
      labels: { tier: 'a' },
      expected: false,
    },
    { selector: { matchExpressions: [{ key: 'tier', operator: 'Exists' as const }] }, labels: {}, expected: false },
    {
      selector: { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' as const }] },
      labels: {},
      expected: true,
    },
  ])('$selector on $labels is $expected', ({ selector, labels, expected }) => {
    expect(matchesSelector(selector, labels)).toBe(expected);
  });
});
