import { describe, expect, it } from 'vitest';
import { findDrift } from '../../../src/ipvs/drift.js';
import { ZERO_STATS, serviceId, type ObservedDestination, type ObservedService } from '../../../src/ipvs/types.js';

const service = (address: string, dests: ObservedDestination[], scheduler = 'rr'): ObservedService => ({
  key: { kind: 'addr', af: 'inet', protocol: 'tcp', address, port: 80 },
  scheduler,
  flags: 0,
  timeoutMs: 0,
  netmask: 0xffffffff,
  peName: '',
  stats: ZERO_STATS,
  destinations: dests,
});
const dest = (address: string, weight = 1, activeConns = 0): ObservedDestination => ({
  key: { af: 'inet', address, port: 80 },
  forwarding: 'droute',
  weight,
  upperThreshold: 0,
  lowerThreshold: 0,
  tunnelType: 'ipip',
  tunnelPort: 0,
  tunnelFlags: 0,
  activeConns,
  inactiveConns: 0,
  persistConns: 0,
  stats: ZERO_STATS,
});

const ours = service('192.0.2.1', [dest('10.0.0.1'), dest('10.0.0.2')]);
const theirs = service('192.0.2.9', [dest('10.0.0.9')]);
const expected = new Map([ours, theirs].map((s) => [serviceId(s.key), s]));
const owned = new Map([[serviceId(ours.key), ours.key]]);

describe('findDrift', () => {
  it.each([
    { name: 'unchanged', now: [ours, theirs], kinds: [] },
    {
      name: 'only counters moved',
      now: [service('192.0.2.1', [dest('10.0.0.1', 1, 7), dest('10.0.0.2', 1, 3)]), theirs],
      kinds: [],
    },
    {
      name: 'destinations in another order',
      now: [service('192.0.2.1', [dest('10.0.0.2'), dest('10.0.0.1')])],
      kinds: [],
    },
    { name: 'someone else’s service changed', now: [ours, service('192.0.2.9', [])], kinds: [] },
    { name: 'service deleted', now: [theirs], kinds: ['service-missing'] },
    {
      name: 'scheduler edited',
      now: [service('192.0.2.1', [dest('10.0.0.1'), dest('10.0.0.2')], 'wlc')],
      kinds: ['service-changed'],
    },
    { name: 'destination deleted', now: [service('192.0.2.1', [dest('10.0.0.1')])], kinds: ['destination-missing'] },
    {
      name: 'destination added',
      now: [service('192.0.2.1', [dest('10.0.0.1'), dest('10.0.0.2'), dest('10.0.0.3')])],
      kinds: ['destination-added'],
    },
    {
      name: 'weight edited',
      now: [service('192.0.2.1', [dest('10.0.0.1', 0), dest('10.0.0.2')])],
      kinds: ['destination-changed'],
    },
  ])('$name', ({ now, kinds }) => {
    const drift = findDrift(expected, now, owned);
    expect(drift.map((d) => d.kind)).toEqual(kinds);
    for (const d of drift) expect(d.service).toEqual(ours.key);
  });
});
