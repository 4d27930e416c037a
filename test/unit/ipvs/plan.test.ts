import { describe, expect, it } from 'vitest';
import { DEFAULT_DRAIN_POLICY, removalStep, type DrainPolicy } from '../../../src/ipvs/drain.js';
import { applyOps, diffDesired, planTable, sameDestination, sameService } from '../../../src/ipvs/plan.js';
import {
  ZERO_STATS,
  serviceId,
  type DesiredService,
  type ObservedService,
  type ServiceKey,
} from '../../../src/ipvs/types.js';
import { randomTable, rng } from './table-gen.js';

const NOW = 1_000_000;
const immediate: DrainPolicy = { drainMs: 0, deleteWhenIdle: true, udpImmediate: true };

const observe = (t: readonly DesiredService[], conns = 0): ObservedService[] =>
  t.map((s) => ({
    ...s,
    stats: ZERO_STATS,
    destinations: s.destinations.map((d) => ({
      ...d,
      activeConns: conns,
      inactiveConns: 0,
      persistConns: 0,
      stats: ZERO_STATS,
    })),
  }));

const tcp = (address: string): ServiceKey => ({ kind: 'addr', af: 'inet', protocol: 'tcp', address, port: 80 });
const svc = (address: string, dests: string[], over: Partial<DesiredService> = {}): DesiredService => ({
  key: tcp(address),
  scheduler: 'rr',
  flags: 0,
  timeoutMs: 0,
  netmask: 0xffffffff,
  peName: '',
  destinations: dests.map((a) => ({
    key: { af: 'inet', address: a, port: 80 },
    forwarding: 'droute',
    weight: 1,
    upperThreshold: 0,
    lowerThreshold: 0,
    tunnelType: 'ipip',
    tunnelPort: 0,
    tunnelFlags: 0,
  })),
  ...over,
});

const plan = (desired: DesiredService[], observed: ObservedService[], recorded: ServiceKey[] = [], drain = immediate) =>
  planTable({
    desired,
    observed,
    recorded: new Map(recorded.map((k) => [serviceId(k), k])),
    draining: new Map(),
    nowMs: NOW,
    drain,
  });

describe('planTable', () => {
  const cases: {
    name: string;
    desired: DesiredService[];
    observed: ObservedService[];
    recorded?: ServiceKey[];
    expected: string[];
  }[] = [
    { name: 'empty to empty', desired: [], observed: [], expected: [] },
    {
      name: 'adds a service and its destinations',
      desired: [svc('192.0.2.1', ['10.0.0.1', '10.0.0.2'])],
      observed: [],
      expected: ['addService 192.0.2.1', 'addDestination 10.0.0.1', 'addDestination 10.0.0.2'],
    },
    {
      name: 'changes a weight in place',
      desired: [svc('192.0.2.1', ['10.0.0.1'])],
      observed: observe([svc('192.0.2.1', ['10.0.0.1'])]).map((s) => ({
        ...s,
        destinations: s.destinations.map((d) => ({ ...d, weight: 5 })),
      })),
      expected: ['updateDestination 10.0.0.1'],
    },
    {
      name: 'changes the scheduler in place',
      desired: [svc('192.0.2.1', [], { scheduler: 'wlc' })],
      observed: observe([svc('192.0.2.1', [])]),
      expected: ['updateService 192.0.2.1'],
    },
    {
      name: 'leaves foreign services alone',
      desired: [],
      observed: observe([svc('192.0.2.9', ['10.0.0.9'])]),
      expected: [],
    },
    {
      name: 'deletes services it recorded',
      desired: [],
      observed: observe([svc('192.0.2.8', ['10.0.0.8']), svc('192.0.2.9', [])]),
      recorded: [tcp('192.0.2.8')],
      expected: ['deleteService 192.0.2.8'],
    },
    {
      name: 'adopts a foreign service that is desired, touching only what differs',
      desired: [svc('192.0.2.9', ['10.0.0.9'])],
      observed: observe([svc('192.0.2.9', ['10.0.0.9', '10.0.0.10'])]),
      expected: ['deleteDestination 10.0.0.10'],
    },
  ];
  it.each(cases)('$name', ({ desired, observed, recorded, expected }) => {
    const ops = plan(desired, observed, recorded).ops.map((o) => {
      switch (o.op) {
        case 'addService':
        case 'updateService':
          return `${o.op} ${o.service.key.kind === 'addr' ? o.service.key.address : ''}`;
        case 'deleteService':
          return `${o.op} ${o.key.kind === 'addr' ? o.key.address : ''}`;
        case 'addDestination':
        case 'updateDestination':
          return `${o.op} ${o.destination.key.address}`;
        case 'deleteDestination':
          return `${o.op} ${o.key.address}`;
      }
    });
    expect(ops).toEqual(expected);
  });

  it('drains a removed destination: weight 0, then delete when idle or after the drain period', () => {
    const desired = [svc('192.0.2.1', ['10.0.0.1'])];
    const observed = observe([svc('192.0.2.1', ['10.0.0.1', '10.0.0.2'])], 3);
    const first = plan(desired, observed, [], DEFAULT_DRAIN_POLICY);
    expect(first.ops).toMatchObject([
      { op: 'updateDestination', destination: { key: { address: '10.0.0.2' }, weight: 0 } },
    ]);
    const drained = applyOps(observed, first.ops);
    const wait = planTable({
      desired,
      observed: drained,
      recorded: new Map(),
      draining: first.draining,
      nowMs: NOW + 1000,
      drain: DEFAULT_DRAIN_POLICY,
    });
    expect(wait.ops).toEqual([]);
    expect(wait.waiting).toBe(1);
    const late = planTable({
      desired,
      observed: drained,
      recorded: new Map(),
      draining: first.draining,
      nowMs: NOW + DEFAULT_DRAIN_POLICY.drainMs,
      drain: DEFAULT_DRAIN_POLICY,
    });
    expect(late.ops).toMatchObject([{ op: 'deleteDestination', key: { address: '10.0.0.2' } }]);
  });

  it('a destination that comes back while draining gets its weight back in place', () => {
    const desired = [svc('192.0.2.1', ['10.0.0.1', '10.0.0.2'])];
    const observed = observe([svc('192.0.2.1', ['10.0.0.1', '10.0.0.2'])], 3).map((s) => ({
      ...s,
      destinations: s.destinations.map((d) => (d.key.address === '10.0.0.2' ? { ...d, weight: 0 } : d)),
    }));
    expect(plan(desired, observed).ops).toMatchObject([{ op: 'updateDestination', destination: { weight: 1 } }]);
  });

  it('property: from random start states one pass converges on owned services and leaves the rest (300 seeds)', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed);
      const desired = randomTable(r);
      const start = observe(randomTable(r), 0);
      const recorded = start.filter(() => r() < 0.5).map((s) => s.key);
      const owned = new Set([...desired.map((s) => serviceId(s.key)), ...recorded.map(serviceId)]);
      const p = plan(desired, start, recorded);
      const after = applyOps(start, p.ops);
      const byId = new Map(after.map((s) => [serviceId(s.key), s]));
      for (const want of desired) {
        const got = byId.get(serviceId(want.key));
        expect(got && sameService(want, got), `seed ${seed}`).toBe(true);
        expect(got?.destinations.length).toBe(want.destinations.length);
        for (const d of want.destinations) {
          const g = got?.destinations.find((x) => x.key.address === d.key.address && x.key.port === d.key.port);
          expect(g && sameDestination(d, g), `seed ${seed}`).toBe(true);
        }
      }
      for (const s of start) {
        if (!owned.has(serviceId(s.key))) expect(byId.get(serviceId(s.key)), `seed ${seed}`).toEqual(s);
        else if (!desired.some((d) => serviceId(d.key) === serviceId(s.key)))
          expect(byId.has(serviceId(s.key))).toBe(false);
      }
      expect(plan(desired, after, recorded).ops, `seed ${seed}: second pass`).toEqual([]);
    }
  });
});

describe('diffDesired', () => {
  const table = (...services: DesiredService[]) => new Map(services.map((s) => [serviceId(s.key), s]));
  const addresses = (d: ReturnType<typeof diffDesired>) => ({
    changed: d.changed.map((s) => (s.key.kind === 'addr' ? s.key.address : '')),
    removed: d.removed.map((k) => (k.kind === 'addr' ? k.address : '')),
  });

  it.each([
    { name: 'nothing changed', next: [svc('192.0.2.1', ['10.0.0.1'])], expected: { changed: [], removed: [] } },
    {
      name: 'a new service',
      next: [svc('192.0.2.1', ['10.0.0.1']), svc('192.0.2.2', [])],
      expected: { changed: ['192.0.2.2'], removed: [] },
    },
    {
      name: 'a new weight',
      next: [
        {
          ...svc('192.0.2.1', ['10.0.0.1']),
          destinations: svc('192.0.2.1', ['10.0.0.1']).destinations.map((d) => ({ ...d, weight: 5 })),
        },
      ],
      expected: { changed: ['192.0.2.1'], removed: [] },
    },
    {
      name: 'another scheduler',
      next: [svc('192.0.2.1', ['10.0.0.1'], { scheduler: 'wlc' })],
      expected: { changed: ['192.0.2.1'], removed: [] },
    },
    {
      name: 'another destination',
      next: [svc('192.0.2.1', ['10.0.0.2'])],
      expected: { changed: ['192.0.2.1'], removed: [] },
    },
    { name: 'a service gone', next: [], expected: { changed: [], removed: ['192.0.2.1'] } },
  ])('$name', ({ next, expected }) => {
    expect(addresses(diffDesired(table(svc('192.0.2.1', ['10.0.0.1'])), next))).toEqual(expected);
  });

  it('applying the diff to the previous table gives the next one', () => {
    const random = rng(7);
    for (let i = 0; i < 50; i++) {
      const before = randomTable(random, 8);
      const after = randomTable(random, 8);
      const { changed, removed } = diffDesired(table(...before), after);
      const result = table(...before);
      for (const k of removed) result.delete(serviceId(k));
      for (const s of changed) result.set(serviceId(s.key), s);
      expect(new Map([...result].sort())).toEqual(new Map([...table(...after)].sort()));
    }
  });
});

describe('removalStep', () => {
  const key = tcp('192.0.2.1');
  const dest = observe([svc('192.0.2.1', ['10.0.0.1'])], 2)[0]?.destinations[0];
  if (!dest) throw new Error('no dest');
  it.each([
    { name: 'no drain period deletes', policy: immediate, d: dest, since: undefined, now: 0, expected: 'delete' },
    {
      name: 'busy: weight 0 first',
      policy: DEFAULT_DRAIN_POLICY,
      d: dest,
      since: undefined,
      now: 0,
      expected: 'setWeightZero',
    },
    {
      name: 'idle: delete',
      policy: DEFAULT_DRAIN_POLICY,
      d: { ...dest, activeConns: 0 },
      since: undefined,
      now: 0,
      expected: 'delete',
    },
    {
      name: 'draining: wait',
      policy: DEFAULT_DRAIN_POLICY,
      d: { ...dest, weight: 0 },
      since: 0,
      now: 1000,
      expected: 'wait',
    },
    {
      name: 'drain over: delete',
      policy: DEFAULT_DRAIN_POLICY,
      d: { ...dest, weight: 0 },
      since: 0,
      now: 300_000,
      expected: 'delete',
    },
  ] as const)('$name', ({ policy, d, since, now, expected }) => {
    expect(removalStep(key, d, since, now, policy)).toBe(expected);
  });
  it('UDP goes at once', () => {
    expect(
      removalStep(
        { kind: 'addr', af: 'inet', protocol: 'udp', address: '192.0.2.1', port: 53 },
        dest,
        undefined,
        0,
        DEFAULT_DRAIN_POLICY,
      ),
    ).toBe('delete');
  });
});
