import { constants } from 'node:os';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/fake-clock.js';
import { silentLogger } from '../../../src/core/logger.js';
import { FakeIpvsClient } from '../../../src/ipvs/fake-client.js';
import { IpvsMetrics } from '../../../src/ipvs/metrics.js';
import { MemoryOwnershipStore } from '../../../src/ipvs/ownership.js';
import { IpvsReconciler } from '../../../src/ipvs/reconciler.js';
import type { DesiredService, Op, ServiceKey } from '../../../src/ipvs/types.js';

const key = (address: string): ServiceKey => ({ kind: 'addr', af: 'inet', protocol: 'tcp', address, port: 80 });
const svc = (address: string, dests: string[]): DesiredService => ({
  key: key(address),
  scheduler: 'rr',
  flags: 0,
  timeoutMs: 0,
  netmask: 0xffffffff,
  peName: '',
  destinations: dests.map((a) => ({
    key: { af: 'inet', address: a, port: 80 },
    forwarding: 'masq',
    weight: 1,
    upperThreshold: 0,
    lowerThreshold: 0,
    tunnelType: 'ipip',
    tunnelPort: 0,
    tunnelFlags: 0,
  })),
});

function setup(client = new FakeIpvsClient(), ownership = new MemoryOwnershipStore()) {
  const registry = new Registry();
  const clock = new FakeClock();
  const r = new IpvsReconciler({
    client,
    log: silentLogger(),
    clock,
    ownership,
    metrics: new IpvsMetrics(registry),
    drain: { drainMs: 0, deleteWhenIdle: true, udpImmediate: true },
    wallNowMs: () => 0,
  });
  return { client, r, registry, clock, ownership };
}

describe('IpvsReconciler', () => {
  it('does nothing until the desired state is known', async () => {
    const { client, r } = setup();
    expect((await r.sync()).ran).toBe(false);
    expect(client.opLog).toEqual([]);
  });

  it('converges, leaves a foreign service alone, and a restart with the same state writes nothing', async () => {
    const client = new FakeIpvsClient();
    await client.apply([{ op: 'addService', service: svc('192.0.2.99', []) }]);
    const ownership = new MemoryOwnershipStore();
    const first = setup(client, ownership);
    const report = await first.r.setDesired([svc('192.0.2.1', ['10.0.0.1', '10.0.0.2'])]);
    expect(report.failed).toEqual([]);
    expect((await client.dump()).map((s) => (s.key.kind === 'addr' ? s.key.address : ''))).toEqual([
      '192.0.2.99',
      '192.0.2.1',
    ]);
    const writes = client.opLog.length;
    const restarted = setup(client, ownership);
    const again = await restarted.r.setDesired([svc('192.0.2.1', ['10.0.0.1', '10.0.0.2'])]);
    expect(again.results).toEqual([]);
    expect(client.opLog.length).toBe(writes);
  });

  it('removes a service it created before a restart, from its ownership record', async () => {
    const client = new FakeIpvsClient();
    const ownership = new MemoryOwnershipStore();
    await setup(client, ownership).r.setDesired([svc('192.0.2.1', []), svc('192.0.2.2', [])]);
    await setup(client, ownership).r.setDesired([svc('192.0.2.2', [])]);
    expect((await client.dump()).map((s) => (s.key.kind === 'addr' ? s.key.address : ''))).toEqual(['192.0.2.2']);
    expect((await ownership.load()).keys).toEqual([key('192.0.2.2')]);
  });

  it('one refused op does not stop the others; the next pass retries and metrics count both', async () => {
    const { client, r, registry } = setup();
    client.failOn.push({
      op: 'addDestination',
      errno: constants.errno.ENOMEM,
      times: 1,
      match: (o) => o.op === 'addDestination' && o.destination.key.address === '10.0.0.1',
    });
    const first = await r.setDesired([svc('192.0.2.1', ['10.0.0.1', '10.0.0.2'])]);
    expect(first.failed.map((f) => f.error?.code)).toEqual(['LVS_IPVS_KERNEL']);
    expect((await client.dump())[0]?.destinations.map((d) => d.key.address)).toEqual(['10.0.0.2']);
    const second = await r.sync();
    expect(second.failed).toEqual([]);
    expect((await client.dump())[0]?.destinations).toHaveLength(2);
    const text = await registry.metrics();
    expect(text).toContain('lvs_ipvs_sync_errors_total{op="addDestination",errno="ENOMEM"} 1');
    expect(text).toContain('lvs_ipvs_operations_total{op="addDestination",result="ok"} 2');
  });

  it('merges requests that arrive during a pass into one follow-up pass', async () => {
    const { client, r } = setup();
    r.setDesired([svc('192.0.2.1', ['10.0.0.1'])]).catch(() => undefined);
    const a = r.sync();
    const b = r.sync();
    expect(a).toBe(b);
    await a;
    expect(client.opLog).toHaveLength(2);
  });

  it('resyncs periodically and repairs drift, counted by kind; its own changes are no drift', async () => {
    const { client, r, clock, registry } = setup();
    await client.apply([{ op: 'addService', service: svc('192.0.2.99', []) }]);
    await r.setDesired([svc('192.0.2.1', ['10.0.0.1'])]);
    await r.setDesired([svc('192.0.2.1', ['10.0.0.1', '10.0.0.2'])]);
    await r.update([svc('192.0.2.1', ['10.0.0.2'])]);
    await r.sync();
    const drift = async () =>
      Object.fromEntries(
        ((await registry.getSingleMetric('lvs_ipvs_drift_repaired_total')?.get())?.values ?? []).map((v) => [
          v.labels['kind'],
          v.value,
        ]),
      );
    expect(Object.values(await drift()).every((n) => n === 0)).toBe(true);
    r.start();
    await client.apply([
      { op: 'deleteDestination', service: key('192.0.2.1'), key: { af: 'inet', address: '10.0.0.2', port: 80 } },
      // Someone else's service is not drift.
      { op: 'deleteService', key: key('192.0.2.99') },
    ]);
    clock.advance(30_000);
    await r.sync();
    expect((await client.dump())[0]?.destinations).toHaveLength(1);
    expect(await drift()).toEqual({
      'service-missing': 0,
      'service-changed': 0,
      'destination-missing': 1,
      'destination-added': 0,
      'destination-changed': 0,
    });
    r.stop();
  });

  it('a failed dump is counted and rethrown, and nothing is written', async () => {
    const { client, r, registry } = setup();
    client.failOn.push({ op: 'dumpServices', errno: constants.errno.EPERM, times: 1 });
    await expect(r.setDesired([svc('192.0.2.1', [])])).rejects.toMatchObject({ code: 'LVS_IPVS_PERMISSION' });
    expect(client.opLog).toEqual([]);
    expect(await registry.metrics()).toContain('lvs_ipvs_sync_failures_total 1');
  });

  it('update() applies one change against the last observed table, without a dump', async () => {
    const { client, r } = setup();
    await r.setDesired([svc('192.0.2.1', ['10.0.0.1']), svc('192.0.2.2', ['10.0.0.2'])]);
    const before = client.opLog.length;
    client.failOn.push({ op: 'dumpServices', errno: constants.errno.EIO });
    const changed = svc('192.0.2.2', ['10.0.0.2', '10.0.0.3']);
    const report = await r.update([changed]);
    expect(report.results.map((x) => x.op.op)).toEqual(['addDestination']);
    expect(client.opLog.length).toBe(before + 1);
    const removed = await r.update([], [key('192.0.2.1')]);
    expect(removed.results.map((x) => x.op.op)).toEqual(['deleteService']);
    client.failOn.length = 0;
    expect((await r.sync()).results).toEqual([]);
  });

  it('changeDesired() writes only the services that differ from the last desired table, without a dump', async () => {
    const { client, r } = setup();
    const table = [svc('192.0.2.1', ['10.0.0.1']), svc('192.0.2.2', ['10.0.0.2']), svc('192.0.2.3', ['10.0.0.3'])];
    await r.changeDesired(table);
    const before = client.opLog.length;
    client.failOn.push({ op: 'dumpServices', errno: constants.errno.EIO });
    const next = [svc('192.0.2.1', ['10.0.0.1']), svc('192.0.2.2', ['10.0.0.2', '10.0.0.9']), svc('192.0.2.4', [])];
    const report = await r.changeDesired(next);
    expect(report.results.map((x) => [x.op.op, serviceOfOp(x.op)])).toEqual([
      ['addService', '192.0.2.4'],
      ['addDestination', '192.0.2.2'],
      ['deleteService', '192.0.2.3'],
    ]);
    expect(client.opLog.length).toBe(before + 3);
    expect((await r.changeDesired(next)).ran).toBe(false);
    client.failOn.length = 0;
    expect((await r.sync()).results).toEqual([]);
  });

  it('an update that arrives during a full pass runs after it, and the pass never deletes what it adds', async () => {
    const client = new GatedDumpClient();
    const { r } = setup(client);
    await r.setDesired([svc('192.0.2.1', ['10.0.0.1'])]);
    client.gate = new Promise((resolve) => (client.open = resolve));
    const pass = r.sync();
    const update = r.changeDesired([svc('192.0.2.1', ['10.0.0.1']), svc('192.0.2.2', ['10.0.0.2'])]);
    client.open();
    await Promise.all([pass, update]);
    expect((await client.dump()).map((s) => (s.key.kind === 'addr' ? s.key.address : ''))).toEqual([
      '192.0.2.1',
      '192.0.2.2',
    ]);
    expect(client.opLog.map((o) => o.op)).toEqual(['addService', 'addDestination', 'addService', 'addDestination']);
    expect((await r.sync()).results).toEqual([]);
  });
});

/** A fake whose dumps wait for `gate`, so a test can act while a pass is in flight. */
class GatedDumpClient extends FakeIpvsClient {
  gate: Promise<void> = Promise.resolve();
  open: () => void = () => undefined;

  override async dump(opts?: { stats?: boolean }): ReturnType<FakeIpvsClient['dump']> {
    await this.gate;
    return super.dump(opts);
  }
}

function serviceOfOp(op: Op): string {
  const k =
    op.op === 'addService' || op.op === 'updateService'
      ? op.service.key
      : op.op === 'deleteService'
        ? op.key
        : op.service;
  return k.kind === 'addr' ? k.address : '';
}

describe('IpvsReconciler draining (drain.ts policy)', () => {
  function drainSetup() {
    const client = new FakeIpvsClient();
    const clock = new FakeClock();
    const registry = new Registry();
    const r = new IpvsReconciler({
      client,
      log: silentLogger(),
      clock,
      ownership: new MemoryOwnershipStore(),
      metrics: new IpvsMetrics(registry),
      drain: { drainMs: 60_000, deleteWhenIdle: true, udpImmediate: true },
      retryMs: 1000,
      wallNowMs: () => 0,
    });
    return { client, clock, registry, r };
  }
  const conns = (id: string) => `${id}>10.0.0.2|80`;
  const gauge = async (registry: Registry) =>
    (await registry.getSingleMetric('lvs_ipvs_draining_destinations')?.get())?.values[0]?.value;

  it('a removed destination with connections goes to weight 0, is reported draining, and is deleted when idle', async () => {
    const { client, clock, registry, r } = drainSetup();
    await r.setDesired([svc('192.0.2.1', ['10.0.0.1', '10.0.0.2'])]);
    client.connections.set(conns('tcp|192.0.2.1|80'), { active: 1, inactive: 2 });
    clock.advance(500);
    await r.setDesired([svc('192.0.2.1', ['10.0.0.1'])]);
    const weights = (await client.dump())[0]?.destinations.map((d) => [d.key.address, d.weight]);
    expect(weights).toEqual([
      ['10.0.0.2', 0],
      ['10.0.0.1', 1],
    ]);
    expect(r.drainingDestinations()).toEqual([
      {
        service: key('192.0.2.1'),
        destination: { af: 'inet', address: '10.0.0.2', port: 80 },
        activeConns: 1,
        inactiveConns: 2,
        sinceMs: 500,
      },
    ]);
    expect(await gauge(registry)).toBe(1);
    // Still busy one retry later: kept.
    clock.advance(1000);
    await r.sync();
    expect((await client.dump())[0]?.destinations).toHaveLength(2);
    // The connections end: deleted on the next pass.
    client.connections.delete(conns('tcp|192.0.2.1|80'));
    await r.sync();
    expect((await client.dump())[0]?.destinations.map((d) => d.key.address)).toEqual(['10.0.0.1']);
    expect(r.drainingDestinations()).toEqual([]);
    expect(await gauge(registry)).toBe(0);
  });

  it('a destination still busy after drainMs is deleted anyway', async () => {
    const { client, clock, r } = drainSetup();
    await r.setDesired([svc('192.0.2.1', ['10.0.0.1', '10.0.0.2'])]);
    client.connections.set(conns('tcp|192.0.2.1|80'), { active: 3, inactive: 0 });
    await r.setDesired([svc('192.0.2.1', ['10.0.0.1'])]);
    clock.advance(59_999);
    await r.sync();
    expect((await client.dump())[0]?.destinations).toHaveLength(2);
    clock.advance(1);
    await r.sync();
    expect((await client.dump())[0]?.destinations.map((d) => d.key.address)).toEqual(['10.0.0.1']);
  });

  it('update(): a destination that comes back while draining leaves the draining record at once', async () => {
    const { client, r } = drainSetup();
    await r.setDesired([svc('192.0.2.1', ['10.0.0.1', '10.0.0.2'])]);
    client.connections.set(conns('tcp|192.0.2.1|80'), { active: 1, inactive: 0 });
    await r.update([svc('192.0.2.1', ['10.0.0.1'])]);
    expect(r.drainingDestinations().map((d) => d.destination.address)).toEqual(['10.0.0.2']);
    await r.update([svc('192.0.2.1', ['10.0.0.1', '10.0.0.2'])]);
    expect(r.drainingDestinations()).toEqual([]);
    expect((await client.dump())[0]?.destinations.every((d) => d.weight === 1)).toBe(true);
  });
});
