import { describe, expect, it } from 'vitest';
import { checkAdvert } from '../../../src/vrrp/accept.js';
import type { Advert, ReceivedMeta, VrrpInstanceConfig } from '../../../src/vrrp/types.js';

const cfg: VrrpInstanceConfig = {
  name: 'vi51',
  vrid: 51,
  version: 2,
  family: 4,
  interface: 'eth0',
  priority: 100,
  advertIntervalMs: 1000,
  preempt: true,
  preemptDelayMs: 0,
  virtualIPs: [{ address: '10.77.0.100', prefixLength: 32 }],
  unicastPeers: [],
  auth: { type: 'pass', password: 'secret1' },
  acceptMode: true,
  trackInterfaces: [],
  trackScripts: [],
  garp: { masterDelayMs: 5000, masterRepeat: 5, masterRefreshMs: 0, masterRefreshRepeat: 1 },
  notify: {},
};

const pw = (s: string) => {
  const b = new Uint8Array(8);
  b.set(Buffer.from(s));
  return b;
};
const good: Advert = {
  version: 2,
  vrid: 51,
  priority: 150,
  advertIntervalMs: 1000,
  addresses: ['10.77.0.100'],
  authType: 1,
  authData: pw('secret1'),
};
const meta: ReceivedMeta = { family: 4, source: '10.77.0.1', destination: '224.0.0.18', ttl: 255 };

describe('checkAdvert (RFC 5798 §7.1, keepalived vrrp_check_packet)', () => {
  it.each([
    { name: 'a good advert', c: cfg, a: good, m: meta, expected: undefined },
    { name: 'TTL 1', c: cfg, a: good, m: { ...meta, ttl: 1 }, expected: 'bad_ttl' },
    {
      name: 'TTL 1 from a unicast peer is accepted, as keepalived does',
      c: { ...cfg, unicastPeers: ['10.77.0.1'] },
      a: good,
      m: { ...meta, ttl: 1, destination: '10.77.0.2' },
      expected: undefined,
    },
    {
      name: 'version 3 for a v2 instance',
      c: cfg,
      a: { ...good, version: 3 as const },
      m: meta,
      expected: 'version_mismatch',
    },
    { name: 'another VRID', c: cfg, a: { ...good, vrid: 52 }, m: meta, expected: 'unknown_vrid' },
    {
      name: 'auth none for PASS',
      c: cfg,
      a: { ...good, authType: 0, authData: new Uint8Array(8) },
      m: meta,
      expected: 'auth_type_mismatch',
    },
    { name: 'wrong password', c: cfg, a: { ...good, authData: pw('secret2') }, m: meta, expected: 'auth_failure' },
    {
      name: 'v2 interval 2 s for 1 s',
      c: cfg,
      a: { ...good, advertIntervalMs: 2000 },
      m: meta,
      expected: 'interval_mismatch',
    },
    {
      name: 'v3 interval differs (learnt, not dropped)',
      c: { ...cfg, version: 3 as const, auth: { type: 'none' as const } },
      a: { version: 3 as const, vrid: 51, priority: 1, advertIntervalMs: 300, addresses: ['10.77.0.100'] },
      m: meta,
      expected: undefined,
    },
    {
      name: 'missing VIP',
      c: cfg,
      a: { ...good, addresses: ['10.77.0.101'] },
      m: meta,
      expected: 'address_list_mismatch',
    },
    {
      name: 'extra VIP',
      c: cfg,
      a: { ...good, addresses: ['10.77.0.100', '10.77.0.101'] },
      m: meta,
      expected: 'address_list_mismatch',
    },
    {
      name: 'multicast advert on a unicast instance',
      c: { ...cfg, unicastPeers: ['10.77.0.1'] },
      a: good,
      m: meta,
      expected: 'unicast_mismatch',
    },
    {
      name: 'unicast advert from a stranger',
      c: { ...cfg, unicastPeers: ['10.77.0.9'] },
      a: good,
      m: { ...meta, destination: '10.77.0.2' },
      expected: 'unknown_peer',
    },
    {
      name: 'unicast advert from a source of the other family (never equal to a peer)',
      c: { ...cfg, unicastPeers: ['10.77.0.9'] },
      a: good,
      m: { ...meta, source: 'fe80::1', destination: '10.77.0.2' },
      expected: 'unknown_peer',
    },
    {
      name: 'unicast advert on a multicast instance',
      c: cfg,
      a: good,
      m: { ...meta, destination: '10.77.0.2' },
      expected: 'unicast_mismatch',
    },
  ])('$name → $expected', ({ c, a, m, expected }) => {
    expect(checkAdvert(c, a, m)).toBe(expected);
  });
});
