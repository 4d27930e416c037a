import { describe, expect, it } from 'vitest';
import { parseDirectorTuning, parseServiceSpec } from '../../../src/cli/flags.js';

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

describe('--adopt-ipvs-service', () => {
  it.each([
    { text: 'tcp:10.96.0.1:443', key: { kind: 'addr', af: 'inet', protocol: 'tcp', address: '10.96.0.1', port: 443 } },
    { text: 'udp:[FD00::0001]:53', key: { kind: 'addr', af: 'inet6', protocol: 'udp', address: 'fd00::1', port: 53 } },
    { text: 'sctp:192.0.2.1:0', key: { kind: 'addr', af: 'inet', protocol: 'sctp', address: '192.0.2.1', port: 0 } },
    { text: 'fwmark:7', key: { kind: 'fwmark', af: 'inet', fwmark: 7 } },
    { text: 'fwmark6:4294967295', key: { kind: 'fwmark', af: 'inet6', fwmark: 4294967295 } },
  ])('$text', ({ text, key }) => {
    expect(parseServiceSpec(text)).toEqual(key);
  });

  const usage = (text: string) =>
    `--adopt-ipvs-service must be tcp|udp|sctp:address:port or fwmark[6]:mark, got "${text.slice(0, 80)}"`;
  it.each([
    'tcp:10.96.0.1',
    'icmp:10.96.0.1:443',
    'tcp:10.96.0.1:65536',
    'tcp:fd00::1:53',
    'tcp:[10.0.0.1]:80',
    'tcp:999.1.1.1:80',
    'fwmark:0',
    'fwmark:4294967296',
    'fwmark:-1',
    `tcp:${'1'.repeat(500)}:80`,
  ])('refused: %s', (text) => {
    expect(() => parseServiceSpec(text)).toThrow(
      expect.objectContaining({ code: 'LVS_USAGE', message: usage(text) }) as Error,
    );
  });
});
