import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/fake-clock.js';
import { silentLogger } from '../../../src/core/logger.js';
import { Announcer } from '../../../src/net/announcer.js';
import { FakeAddresses } from '../../../src/net/fake-addresses.js';
import { FakeLinks } from '../../../src/net/fake-links.js';
import { FakePacketSockets } from '../../../src/net/fake-packet-sockets.js';
import { FakeVipFilter } from '../../../src/net/fake-vip-filter.js';
import { encodeAdvert } from '../../../src/vrrp/codec.js';
import { FakeProcessRunner } from '../../../src/net/fake-process-runner.js';
import type { VrrpEvent } from '../../../src/vrrp/events.js';
import { FakeWire } from '../../../src/vrrp/fake-transport.js';
import { VrrpSpeaker } from '../../../src/vrrp/speaker.js';
import type { VrrpInstanceConfig } from '../../../src/vrrp/types.js';
import { MemoryVipRecordStore } from '../../../src/vrrp/vip-record.js';

const base: VrrpInstanceConfig = {
  name: 'vi1',
  vrid: 51,
  version: 3,
  family: 4,
  interface: 'eth0',
  priority: 100,
  advertIntervalMs: 1000,
  preempt: true,
  preemptDelayMs: 0,
  virtualIPs: [{ address: '10.0.0.100', prefixLength: 32 }],
  unicastPeers: [],
  auth: { type: 'none' },
  acceptMode: true,
  trackInterfaces: [],
  trackScripts: [],
  garp: { masterDelayMs: 5000, masterRepeat: 2, masterRefreshMs: 0, masterRefreshRepeat: 1 },
  notify: {},
};

interface Node {
  speaker: VrrpSpeaker;
  filter: FakeVipFilter;
  addresses: FakeAddresses;
  links: FakeLinks;
  frames: FakePacketSockets;
  commands: FakeProcessRunner;
  registry: Registry;
  events: VrrpEvent[];
  record: MemoryVipRecordStore;
}

function node(
  wire: FakeWire,
  clock: FakeClock,
  address: string,
  over: Partial<VrrpInstanceConfig> = {},
  record = new MemoryVipRecordStore(),
): Node {
  const addresses = new FakeAddresses();
  void addresses.add({ ifindex: 2, address, prefixLength: 24 });
  const links = new FakeLinks([
    { index: 2, name: 'eth0', mac: '02:00:00:00:00:0' + address.slice(-1), up: true },
    { index: 3, name: 'eth1', mac: '02:00:00:00:01:01', up: true },
  ]);
  const frames = new FakePacketSockets();
  const commands = new FakeProcessRunner();
  const registry = new Registry();
  const filter = new FakeVipFilter();
  const speaker = new VrrpSpeaker({
    vipFilter: filter,
    instances: [{ ...base, ...over }],
    clock,
    log: silentLogger(),
    registry,
    links,
    addresses,
    announcer: new Announcer(frames),
    openTransport: wire.factory,
    commands,
    vipRecord: record,
  });
  const events: VrrpEvent[] = [];
  speaker.events.subscribe((e) => events.push(e));
  return { speaker, filter, addresses, links, frames, commands, registry, events, record };
}

/** Advances the fake clock in small steps, letting promise chains (address changes) run. */
async function advance(clock: FakeClock, ms: number, stepMs = 10): Promise<void> {
  for (let t = 0; t < ms; t += stepMs) {
    clock.advance(Math.min(stepMs, ms - t));
    await new Promise((r) => setImmediate(r));
  }
}

/**
 * Awaits `p` while the fake clock runs: a stopping master holds its VIPs until it has seen the
 * new master, or for its bound when there is none.
 */
async function running<T>(clock: FakeClock, p: Promise<T>): Promise<T> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; !done && i < 10_000; i++) await advance(clock, 10);
  return p;
}

const hasVip = (n: Node) => n.addresses.addressesOf(2).includes('10.0.0.100');
const stateOf = (n: Node) => n.speaker.status()[0]?.state;

async function metric(n: Node, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = (await n.registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = (m?.values ?? []).find((x) => Object.entries(labels).every(([k, val]) => String(x.labels[k]) === val));
  return v?.value ?? 0;
}

describe('VrrpSpeaker on a fake wire with a fake clock', () => {
  it('elects the higher priority, moves the VIP with GARP, fails over on crash and on graceful stop', async () => {
    const clock = new FakeClock();
    const wire = new FakeWire(clock);
    const a = node(wire, clock, '10.0.0.1', { priority: 150 });
    const b = node(wire, clock, '10.0.0.2', { priority: 100 });
    await a.speaker.start();
    await b.speaker.start();
    await advance(clock, 4000);
    expect([stateOf(a), stateOf(b)]).toEqual(['master', 'backup']);
    expect([hasVip(a), hasVip(b)]).toEqual([true, false]);
    expect(a.frames.sent.length).toBe(2);
    expect(await metric(b, 'lvs_vrrp_adverts_received_total', { vrid: '51' })).toBeGreaterThan(0);
    expect(await metric(a, 'lvs_vrrp_state', { state: 'master' })).toBe(1);

    // Crash of a: silence. b takes over after Master_Down_Interval (3 x 1 s + skew).
    wire.cut('10.0.0.1');
    const cutAt = clock.now();
    await advance(clock, 3700, 1);
    const took = b.events.find((e) => e.type === 'transition' && e.to === 'master');
    expect(took).toBeDefined();
    expect((took?.at ?? 0) - cutAt).toBeLessThanOrEqual(3609.375 + 1000);
    expect(hasVip(b)).toBe(true);

    // a comes back with the higher priority and preempts.
    wire.cut('10.0.0.1', false);
    await advance(clock, 2000);
    expect([stateOf(a), stateOf(b)]).toEqual(['master', 'backup']);
    expect(hasVip(b)).toBe(false);

    // Graceful stop: priority 0; b takes over after Skew_Time, and a keeps the VIP until it
    // sees b's first advert, then VRRP_HANDOVER_MARGIN_MS more: the VIP is never nowhere.
    const stopAt = clock.now();
    let released = false;
    const stopping = a.speaker.stop().then(() => (released = true));
    const nowhere: number[] = [];
    for (let t = 0; t < 2000 && !released; t++) {
      await advance(clock, 1, 1);
      if (!hasVip(a) && !hasVip(b)) nowhere.push(clock.now());
    }
    await stopping;
    expect(nowhere).toEqual([]);
    expect(hasVip(a)).toBe(false);
    const graceful = b.events.filter((e) => e.type === 'transition' && e.to === 'master').at(-1);
    expect(graceful?.type === 'transition' && graceful.reason).toBe('priority-zero');
    expect((graceful?.at ?? 0) - stopAt).toBeLessThanOrEqual(609.375 + 1);
    const left = a.events.filter((e) => e.type === 'transition' && e.to === 'initialize').at(-1);
    expect(left?.type === 'transition' && left.reason).toBe('handed-over');
    expect((left?.at ?? 0) - (graceful?.at ?? 0)).toBeGreaterThanOrEqual(200);
    expect((left?.at ?? 0) - (graceful?.at ?? 0)).toBeLessThanOrEqual(200 + 2);
    // Released once, and this node's neighbour entry for the VIP forgotten after it.
    expect(a.addresses.ops.filter((o) => o.op !== 'add').map((o) => [o.op, o.spec.address])).toEqual([
      ['remove', '10.0.0.100'],
      ['forgetNeighbour', '10.0.0.100'],
    ]);
    await running(clock, b.speaker.stop());
  });

  it('a stopping master with no backup keeps its VIP for Master_Down_Interval at priority 1 plus the margin', async () => {
    const clock = new FakeClock();
    const wire = new FakeWire(clock);
    const a = node(wire, clock, '10.0.0.1');
    await a.speaker.start();
    await advance(clock, 4000);
    expect(stateOf(a)).toBe('master');
    const stopAt = clock.now();
    await running(clock, a.speaker.stop());
    const left = a.events.filter((e) => e.type === 'transition' && e.to === 'initialize').at(-1);
    expect(left?.type === 'transition' && left.reason).toBe('handover-timeout');
    expect((left?.at ?? 0) - stopAt).toBe(3000 + (255 * 1000) / 256 + 200);
    expect(hasVip(a)).toBe(false);
  });

  it('equal priority: the higher address wins', async () => {
    const clock = new FakeClock();
    const wire = new FakeWire(clock);
    const a = node(wire, clock, '10.0.0.1');
    const b = node(wire, clock, '10.0.0.2');
    await a.speaker.start();
    await b.speaker.start();
    await advance(clock, 6000);
    expect([stateOf(a), stateOf(b)]).toEqual(['backup', 'master']);
    await running(clock, a.speaker.stop());
    await running(clock, b.speaker.stop());
  });

  it('drops and counts crafted packets without changing state', async () => {
    const clock = new FakeClock();
    const wire = new FakeWire(clock);
    const b = node(wire, clock, '10.0.0.2', { version: 2, auth: { type: 'pass', password: 'secret1' } });
    await b.speaker.start();
    await advance(clock, 4000);
    expect(stateOf(b)).toBe('master');
    const ph = { family: 4 as const, source: '10.0.0.9', destination: '224.0.0.18' };
    const fields = { version: 2 as const, vrid: 51, priority: 254, advertIntervalMs: 1000, addresses: ['10.0.0.100'] };
    const inject = (payload: Uint8Array, ttl = 255) =>
      wire.inject({
        ok: true,
        value: { payload, meta: { family: 4, source: ph.source, destination: ph.destination, ttl } },
      });
    inject(encodeAdvert({ ...fields, auth: { type: 'pass', password: 'wrong' } }, ph));
    inject(encodeAdvert({ ...fields, vrid: 52, auth: { type: 'pass', password: 'secret1' } }, ph));
    inject(encodeAdvert({ ...fields, auth: { type: 'pass', password: 'secret1' } }, ph), 1);
    const corrupt = encodeAdvert({ ...fields, auth: { type: 'pass', password: 'secret1' } }, ph);
    corrupt[6] = (corrupt[6] ?? 0) ^ 0x55;
    inject(corrupt);
    await advance(clock, 100);
    expect(stateOf(b)).toBe('master');
    for (const reason of ['auth_failure', 'unknown_vrid', 'bad_ttl', 'bad_checksum']) {
      expect(await metric(b, 'lvs_vrrp_adverts_dropped_total', { reason })).toBe(1);
    }
    // A valid higher priority advert does move it.
    inject(encodeAdvert({ ...fields, auth: { type: 'pass', password: 'secret1' } }, ph));
    await advance(clock, 100);
    expect(stateOf(b)).toBe('backup');
    await running(clock, b.speaker.stop());
  });

  it('link down on the VRRP interface is a FAULT; weights move the priority; notify hooks run', async () => {
    const clock = new FakeClock();
    const wire = new FakeWire(clock);
    const a = node(wire, clock, '10.0.0.1', {
      trackInterfaces: [{ name: 'eth1', weight: -60 }],
      notify: { master: ['/bin/notify-master'], any: ['/bin/notify'] },
    });
    await a.speaker.start();
    await advance(clock, 4000);
    expect(stateOf(a)).toBe('master');
    a.links.setUp('eth1', false);
    expect(a.speaker.status()[0]?.effectivePriority).toBe(40);
    a.links.setUp('eth0', false);
    await advance(clock, 10);
    expect(stateOf(a)).toBe('fault');
    expect(hasVip(a)).toBe(false);
    a.links.setUp('eth0', true);
    expect(stateOf(a)).toBe('backup');
    expect(a.commands.calls.map((c) => c.argv)).toContainEqual(['/bin/notify-master']);
    expect(a.commands.calls.map((c) => c.argv)).toContainEqual(['/bin/notify', 'INSTANCE', 'vi1', 'FAULT', '40']);
    await running(clock, a.speaker.stop());
  });

  it('a failing track script with weight 0 faults the instance after `fall` failures', async () => {
    const clock = new FakeClock();
    const wire = new FakeWire(clock);
    const a = node(wire, clock, '10.0.0.1', {
      trackScripts: [
        { name: 'chk', command: ['/bin/chk'], intervalMs: 1000, timeoutMs: 500, rise: 2, fall: 2, weight: 0 },
      ],
    });
    await a.speaker.start();
    await advance(clock, 4000);
    expect(stateOf(a)).toBe('master');
    a.commands.results.set('/bin/chk', { kind: 'exited', exitCode: 1 });
    await advance(clock, 1500);
    expect(stateOf(a)).toBe('master');
    await advance(clock, 1000);
    expect(stateOf(a)).toBe('fault');
    a.commands.results.set('/bin/chk', { kind: 'exited', exitCode: 0 });
    await advance(clock, 2100);
    expect(stateOf(a)).toBe('backup');
    await running(clock, a.speaker.stop());
  });

  it('removes the VIPs a previous run added (by label or by record), and nothing else', async () => {
    const clock = new FakeClock();
    const wire = new FakeWire(clock);
    const record = new MemoryVipRecordStore();
    record.vips = [
      { iface: 'eth0', address: '10.0.0.100', prefixLength: 32 },
      { iface: 'eth0', address: '10.0.0.150', prefixLength: 32 },
      { iface: 'eth0', address: '10.0.0.160', prefixLength: 32 },
    ];
    const a = node(wire, clock, '10.0.0.1', {}, record);
    await a.addresses.add({ ifindex: 2, address: '10.0.0.100', prefixLength: 32 });
    await a.addresses.add({ ifindex: 2, address: '10.0.0.150', prefixLength: 32 });
    await a.addresses.add({ ifindex: 2, address: '10.0.0.200', prefixLength: 32, label: 'eth0:vrrp9' });
    await a.addresses.add({ ifindex: 2, address: '10.0.0.201', prefixLength: 32, label: 'eth0:web' });
    await a.addresses.add({ ifindex: 2, address: '10.0.0.202', prefixLength: 32 });
    await a.speaker.start();
    expect(a.addresses.addressesOf(2)).toEqual(['10.0.0.1', '10.0.0.201', '10.0.0.202']);
    // Removed and vanished entries leave the record; nothing is left in conflict.
    expect(record.vips).toEqual([]);
    expect(a.speaker.conflicts()).toEqual([]);
    await running(clock, a.speaker.stop());
  });

  it.each([
    { name: 'the interface primary', own: '10.0.0.1' },
    { name: 'a secondary address', own: '10.0.0.9' },
  ])('a VIP equal to the node own address ($name) is never removed: at start, as master, on stop', async ({ own }) => {
    const clock = new FakeClock();
    const wire = new FakeWire(clock);
    const a = node(wire, clock, '10.0.0.1', {
      priority: 150,
      virtualIPs: [
        { address: own, prefixLength: 32 },
        { address: '10.0.0.100', prefixLength: 32 },
      ],
    });
    await a.addresses.add({ ifindex: 2, address: '10.0.0.9', prefixLength: 24 });
    const before = a.addresses.addressesOf(2);
    await a.speaker.start();
    expect(a.addresses.addressesOf(2)).toEqual(before);
    await advance(clock, 4000);
    expect(stateOf(a)).toBe('master');
    expect(a.addresses.addressesOf(2)).toEqual([...before, '10.0.0.100']);
    expect(a.speaker.conflicts()).toEqual([{ instance: 'vi1', vrid: 51, iface: 'eth0', address: own }]);
    expect(await metric(a, 'lvs_vrrp_vip_conflicts', { group: 'vi1' })).toBe(1);
    await running(clock, a.speaker.stop());
    expect(a.addresses.addressesOf(2)).toEqual(before);
    expect(a.addresses.ops.filter((o) => o.op === 'remove').map((o) => o.spec.address)).toEqual(['10.0.0.100']);
  });

  it('an address that appears before takeover is not ours: the master neither records nor removes it', async () => {
    const clock = new FakeClock();
    const wire = new FakeWire(clock);
    const a = node(wire, clock, '10.0.0.1', { priority: 150 });
    await a.speaker.start();
    await advance(clock, 100);
    expect(stateOf(a)).toBe('backup');
    await a.addresses.add({ ifindex: 2, address: '10.0.0.100', prefixLength: 32 });
    await advance(clock, 4000);
    expect(stateOf(a)).toBe('master');
    expect(a.record.vips).toEqual([]);
    expect(a.speaker.conflicts().map((c) => c.address)).toEqual(['10.0.0.100']);
    await running(clock, a.speaker.stop());
    expect(hasVip(a)).toBe(true);
  });

  it('records the VIPs it adds and forgets them when it releases them', async () => {
    const clock = new FakeClock();
    const wire = new FakeWire(clock);
    const a = node(wire, clock, '10.0.0.1', { priority: 150 });
    await a.speaker.start();
    await advance(clock, 4000);
    expect(a.record.vips).toEqual([{ iface: 'eth0', address: '10.0.0.100', prefixLength: 32 }]);
    await running(clock, a.speaker.stop());
    expect(a.record.vips).toEqual([]);
    expect(hasVip(a)).toBe(false);
  });

  it('the address owner (priority 255) uses its own address as the VIP and never removes it', async () => {
    const clock = new FakeClock();
    const wire = new FakeWire(clock);
    const a = node(wire, clock, '10.0.0.1', { priority: 255, virtualIPs: [{ address: '10.0.0.1', prefixLength: 24 }] });
    await a.speaker.start();
    await advance(clock, 100);
    expect(stateOf(a)).toBe('master');
    expect(a.speaker.conflicts()).toEqual([]);
    await running(clock, a.speaker.stop());
    expect(a.addresses.addressesOf(2)).toEqual(['10.0.0.1']);
  });

  it('Accept_Mode false: a non-owner master blocks its VIPs, releases the block on leaving', async () => {
    const clock = new FakeClock();
    const wire = new FakeWire(clock);
    const a = node(wire, clock, '10.0.0.1', { acceptMode: false });
    await a.speaker.start();
    expect(a.filter.ops[0]?.op).toBe('reset');
    await advance(clock, 4000);
    expect([...a.filter.blocked]).toEqual(['10.0.0.100']);
    await running(clock, a.speaker.stop());
    expect([...a.filter.blocked]).toEqual([]);
    const owner = node(new FakeWire(clock), clock, '10.0.0.2', { acceptMode: false, priority: 255 });
    await owner.speaker.start();
    await advance(clock, 100);
    expect(owner.speaker.status()[0]?.state).toBe('master');
    expect(owner.filter.ops.map((o) => o.op)).toEqual(['reset']);
    await running(clock, owner.speaker.stop());
  });

  it('never takes a stale VIP as its source address', async () => {
    const clock = new FakeClock();
    const wire = new FakeWire(clock);
    const a = node(wire, clock, '10.0.0.1');
    a.addresses.entries.unshift({
      ifindex: 2,
      family: 4,
      address: '10.0.0.100',
      prefixLength: 24,
      secondary: false,
      scope: 0,
    });
    await a.speaker.start();
    await advance(clock, 4000);
    expect(wire.frames.length).toBeGreaterThan(0);
    expect(new Set(wire.frames.map((f) => f.from))).toEqual(new Set(['10.0.0.1']));
    await running(clock, a.speaker.stop());
  });

  it('setInstances: an unchanged instance keeps running, a new one starts, a removed one hands over', async () => {
    const clock = new FakeClock();
    const wire = new FakeWire(clock);
    const a = node(wire, clock, '10.0.0.1', { priority: 150 });
    await a.speaker.start();
    await advance(clock, 4000);
    expect(stateOf(a)).toBe('master');
    const first = a.speaker.status()[0];

    // Same config again, plus a second instance: the first one is not touched.
    const second = {
      ...base,
      name: 'vi2',
      vrid: 52,
      priority: 150,
      virtualIPs: [{ address: '10.0.0.200', prefixLength: 32 }],
    };
    const transitionsBefore = a.events.filter((e) => e.type === 'transition').length;
    await a.speaker.setInstances([{ ...base, priority: 150 }, second]);
    await advance(clock, 4000);
    expect(a.speaker.status().map((s) => [s.name, s.state])).toEqual([
      ['vi1', 'master'],
      ['vi2', 'master'],
    ]);
    // vi1 saw no transition at all while the set changed around it.
    expect(a.events.slice(transitionsBefore).filter((e) => e.type === 'transition' && e.instance === 'vi1')).toEqual(
      [],
    );
    expect(a.speaker.status()[0]).toEqual(first);
    expect(a.addresses.addressesOf(2)).toEqual(expect.arrayContaining(['10.0.0.100', '10.0.0.200']));

    // Removing vi1: it stops gracefully (its VIP goes), vi2 keeps its VIP.
    await running(clock, a.speaker.setInstances([second]));
    await advance(clock, 100);
    expect(a.speaker.status().map((s) => s.name)).toEqual(['vi2']);
    // Its state series are gone (a removed group is not a masterless one); vi2's stay.
    const groups = (await a.registry.getMetricsAsJSON())
      .find((x) => x.name === 'lvs_vrrp_state')
      ?.values.map((v) => v.labels['group']);
    expect(new Set(groups)).toEqual(new Set(['vi2']));
    expect(a.addresses.addressesOf(2)).not.toContain('10.0.0.100');
    expect(a.addresses.addressesOf(2)).toContain('10.0.0.200');
    await running(clock, a.speaker.stop());
    expect(a.addresses.addressesOf(2)).not.toContain('10.0.0.200');
  });
});
