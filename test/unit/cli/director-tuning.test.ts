import { describe, expect, it } from 'vitest';
import { parseDirectorTuning } from '../../../src/cli/flags.js';

describe('director tuning flags', () => {
  it.each([
    {
      name: 'defaults',
      flags: { ipvsSysctl: [], drainTimeout: '5m' },
      expected: {
        ipvsSysctls: { expire_nodest_conn: 1, expire_quiescent_template: 1, conn_reuse_mode: 1 },
        drainTimeoutMs: 300_000,
        adoptIpvsServices: [],
      },
    },
    {
      name: 'an override and a setting left alone; drain off',
      flags: { ipvsSysctl: ['conn_reuse_mode=2', 'expire_nodest_conn=keep'], drainTimeout: '0' },
      expected: {
        ipvsSysctls: { expire_quiescent_template: 1, conn_reuse_mode: 2 },
        drainTimeoutMs: 0,
        adoptIpvsServices: [],
      },
    },
  ])('$name', ({ flags, expected }) => {
    expect(parseDirectorTuning(flags)).toEqual(expected);
  });

  it.each([
    { name: 'unknown sysctl', flags: { ipvsSysctl: ['am_droprate=1'], drainTimeout: '5m' } },
    { name: 'not a number', flags: { ipvsSysctl: ['conn_reuse_mode=on'], drainTimeout: '5m' } },
    { name: 'no value', flags: { ipvsSysctl: ['conn_reuse_mode'], drainTimeout: '5m' } },
    { name: 'bad duration', flags: { ipvsSysctl: [], drainTimeout: 'soon' } },
  ])('usage error: $name', ({ flags }) => {
    expect(() => parseDirectorTuning(flags)).toThrow(expect.objectContaining({ code: 'LVS_USAGE' }) as Error);
  });
});
