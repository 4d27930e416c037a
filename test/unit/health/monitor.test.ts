import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HealthCheckSchema, type HealthCheckInput } from '../../../src/api/index.js';
import { FakeClock } from '../../../src/core/fake-clock.js';
import { FakeCheckRunner } from '../../../src/health/fake-check-runner.js';
import { HealthMetrics } from '../../../src/health/metrics.js';
import { HealthMonitor, type MonitoredRealServer, type MonitoredService } from '../../../src/health/monitor.js';
import { ProbeScheduler } from '../../../src/health/scheduler.js';
import type { HealthProbe } from '../../../src/health/types.js';
import type { WeightPlan } from '../../../src/health/weights.js';
import { normaliseCheck } from '../../../src/model/index.js';
import { ip } from '../../support/address.js';

const flush = () => new Promise<void>((r) => setImmediate(r));

function probe(address: string, input: Partial<HealthCheckInput> = {}): HealthProbe {
  const r = normaliseCheck(HealthCheckSchema.parse({ type: 'TCP', interval: '1s', warmup: '0s', retry: 0, ...input }), {
    address: ip(address),
    port: 80,
  });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.probe;
}

function rs(n: number, extra: Partial<MonitoredRealServer> = {}): MonitoredRealServer {
  const address = `192.0.2.${n}`;
  return {
    id: `${address}:80`,
    address,
    port: 80,
    weight: 1,
    inhibitOnFailure: false,
    probes: [probe(address)],
    ...extra,
  };
}

function setup() {
  const clock = new FakeClock(0);
  const runner = new FakeCheckRunner(clock);
  const registry = new Registry();
  const metrics = new HealthMetrics(registry);
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) });
  const scheduler = new ProbeScheduler({ clock, run: runner.run, log, metrics, random: () => 0 });
  const plans: { vs: string; plan: WeightPlan }[] = [];
  const notified: { command: readonly string[]; vs: string; rs?: string }[] = [];
  const monitor = new HealthMonitor({
    scheduler,
    log,
    metrics,
    wallClock: () => 1_700_000_000_000 + clock.now(),
    notify: (command, ctx) => notified.push({ command, ...ctx }),
  });
  monitor.subscribe((vs, plan) => plans.push({ vs, plan }));
  scheduler.start();
  const advance = async (ms: number) => {
    for (let t = 0; t < ms; t += 10) {
      clock.advance(10);
      await flush();
    }
  };
  return { clock, runner, registry, lines, scheduler, monitor, plans, notified, advance };
}

const service = (realServers: MonitoredRealServer[], extra: Partial<MonitoredService> = {}): MonitoredService => ({
  id: 'default/web',
  alpha: false,
  quorum: 1,
  hysteresis: 0,
  realServers,
  ...extra,
});

describe('HealthMonitor', () => {
  it('is up only while every check passes, logs and notifies each change with its reason', async () => {
    const t = setup();
    const server = rs(1, {
      probes: [probe('192.0.2.1'), probe('192.0.2.1', { type: 'HTTP', http: { urls: [{ path: '/h' }] } })],
      notify: { up: ['/bin/up'], down: ['/bin/down'] },
    });
    t.monitor.setServices([service([server])]);
    await t.advance(50);
    expect(t.monitor.realServerHealth('default/web', server.id)).toMatchObject({ state: 'Up', weight: 1 });
    // Both checks target 192.0.2.1:80, so the fake fails both; status names the first failing one.
    t.runner.set('192.0.2.1:80', { kind: 'down', reason: 'status' });
    await t.advance(1000);
    const status = t.monitor.realServerHealth('default/web', server.id);
    expect(status).toMatchObject({
      state: 'Down',
      reason: 'status',
      detail: 'scripted status',
      sinceMs: 1_700_000_001_000,
    });
    expect(t.lines.filter((l) => l['msg'] === 'real server down')).toEqual([
      expect.objectContaining({ vs: 'default/web', rs: '192.0.2.1:80', reason: 'status', component: 'health-monitor' }),
    ]);
    expect(t.notified).toEqual([{ command: ['/bin/down'], vs: 'default/web', rs: '192.0.2.1:80' }]);
    expect(t.plans.at(-1)?.plan.destinations).toEqual([]);
    t.runner.set('192.0.2.1:80', { kind: 'up' });
    await t.advance(1000);
    expect(t.notified.at(-1)).toEqual({ command: ['/bin/up'], vs: 'default/web', rs: '192.0.2.1:80' });
    expect(t.lines.filter((l) => l['msg'] === 'real server up')).toHaveLength(1);
    expect(await t.registry.metrics()).toContain('lvs_health_real_server_up{vs="default/web",rs="192.0.2.1:80"} 1');
  });

  it('reports to the scheduler metrics when given none of its own', async () => {
    const clock = new FakeClock(0);
    const registry = new Registry();
    const scheduler = new ProbeScheduler({
      clock,
      run: new FakeCheckRunner(clock).run,
      log: pino({ level: 'silent' }),
      metrics: new HealthMetrics(registry),
    });
    const monitor = new HealthMonitor({ scheduler, log: pino({ level: 'silent' }) });
    monitor.setServices([service([rs(1)])]);
    expect(await registry.metrics()).toContain('lvs_health_real_server_up{vs="default/web",rs="192.0.2.1:80"} 1');
  });

  it('inhibit_on_failure: a down server stays at weight 0', async () => {
    const t = setup();
    t.monitor.setServices([service([rs(1, { inhibitOnFailure: true, weight: 5 }), rs(2, { weight: 3 })])]);
    await t.advance(50);
    t.runner.set('192.0.2.1:80', { kind: 'down', reason: 'refused' });
    await t.advance(1000);
    expect(t.monitor.plan('default/web')?.destinations).toEqual([
      { id: '192.0.2.1:80', address: '192.0.2.1', port: 80, weight: 0 },
      { id: '192.0.2.2:80', address: '192.0.2.2', port: 80, weight: 3 },
    ]);
  });

  it('quorum lost: sorry server and quorum_down; regained: servers back and quorum_up', async () => {
    const t = setup();
    const sorryServer = { address: '198.51.100.1', port: 80, inhibit: false };
    t.monitor.setServices([
      service([rs(1), rs(2)], {
        quorum: 2,
        sorryServer,
        notify: { quorumUp: ['/bin/qup'], quorumDown: ['/bin/qdown'] },
      }),
    ]);
    const quorumGauge = 'lvs_health_virtual_server_quorum_up{vs="default/web"}';
    await t.advance(50);
    expect(t.monitor.plan('default/web')?.quorumUp).toBe(true);
    expect(await t.registry.metrics()).toContain(`${quorumGauge} 1`);
    t.runner.set('192.0.2.2:80', { kind: 'down', reason: 'timeout' });
    await t.advance(1000);
    expect(t.monitor.plan('default/web')).toMatchObject({
      quorumUp: false,
      destinations: [{ id: 'sorry-server', address: '198.51.100.1', port: 80, weight: 1 }],
    });
    expect(t.notified.map((n) => n.command[0])).toEqual(['/bin/qdown']);
    expect(t.lines.some((l) => l['msg'] === 'quorum lost')).toBe(true);
    expect(await t.registry.metrics()).toContain(`${quorumGauge} 0`);
    t.runner.set('192.0.2.2:80', { kind: 'up' });
    await t.advance(1000);
    expect(t.monitor.plan('default/web')?.destinations.map((d) => d.id)).toEqual(['192.0.2.1:80', '192.0.2.2:80']);
    expect(t.notified.map((n) => n.command[0])).toEqual(['/bin/qdown', '/bin/qup']);
    expect(await t.registry.metrics()).toContain(`${quorumGauge} 1`);
    t.monitor.setServices([]);
    expect(await t.registry.metrics()).not.toContain(quorumGauge);
  });

  it('alpha: servers start out of the pool until their first check passes', async () => {
    const t = setup();
    t.runner.set('192.0.2.2:80', { kind: 'down', reason: 'refused' });
    t.monitor.setServices([service([rs(1), rs(2)], { alpha: true })]);
    expect(t.plans[0]?.plan.destinations).toEqual([]);
    expect(t.monitor.realServerHealth('default/web', '192.0.2.1:80')?.state).toBe('Unknown');
    await t.advance(50);
    expect(t.monitor.plan('default/web')?.destinations.map((d) => d.id)).toEqual(['192.0.2.1:80']);
  });

  it('misc_dynamic and FILE_CHECK weights reach the plan', async () => {
    const t = setup();
    const misc = probe('192.0.2.1', { type: 'MISC', misc: { command: ['/bin/check'], dynamic: true } });
    t.monitor.setServices([service([rs(1, { probes: [misc], weight: 10 })])]);
    t.runner.set('192.0.2.1', { kind: 'up', weight: { kind: 'set', weight: 4 } });
    await t.advance(50);
    expect(t.monitor.plan('default/web')?.destinations[0]?.weight).toBe(4);
    t.runner.set('192.0.2.1', { kind: 'up' });
    await t.advance(1000);
    expect(t.monitor.plan('default/web')?.destinations[0]?.weight).toBe(10);
  });

  it('50 virtual servers sharing 10 real servers run 10 probes', async () => {
    const t = setup();
    const shared = Array.from({ length: 10 }, (_, i) => rs(i + 1));
    t.monitor.setServices(Array.from({ length: 50 }, (_, v) => service(shared, { id: `default/vs${v}` })));
    expect(t.scheduler.probeCount).toBe(10);
    await t.advance(2990);
    expect(t.runner.calls).toHaveLength(30);
    expect(t.plans.filter((p) => p.plan.destinations.length === 10)).toHaveLength(50);
  });

  it('a changed service keeps the health of probes it still uses', async () => {
    const t = setup();
    t.runner.set('192.0.2.1:80', { kind: 'down', reason: 'refused' });
    t.monitor.setServices([service([rs(1), rs(2)])]);
    await t.advance(50);
    t.monitor.setServices([service([rs(1), rs(2), rs(3)])]);
    expect(t.monitor.realServerHealth('default/web', '192.0.2.1:80')?.state).toBe('Down');
    expect(t.monitor.plan('default/web')?.destinations.map((d) => d.id)).toEqual(['192.0.2.2:80', '192.0.2.3:80']);
    t.monitor.setServices([]);
    expect(t.scheduler.probeCount).toBe(0);
  });

  it('a reload of 20,000 real servers touches only the service that changed', async () => {
    const t = setup();
    const services = Array.from({ length: 200 }, (_, v) =>
      service(
        Array.from({ length: 100 }, (_, r) => {
          const address = `10.${v}.${r >> 8}.${r & 255}`;
          return {
            id: `${address}:80`,
            address,
            port: 80,
            weight: 1,
            inhibitOnFailure: false,
            probes: [probe(address)],
          };
        }),
        { id: `default/vs${v}` },
      ),
    );
    t.monitor.setServices(services);
    expect(t.scheduler.probeCount).toBe(20_000);
    await t.advance(50);
    const calls = t.runner.calls.length;
    const plansBefore = t.plans.length;
    // The reload: the same objects rebuilt (as a config parse gives), one service with one more server.
    const reloaded = structuredClone(services);
    const changed = reloaded[7] as MonitoredService;
    t.monitor.setServices([
      ...reloaded.slice(0, 7),
      { ...changed, realServers: [...changed.realServers, rs(1)] },
      ...reloaded.slice(8),
    ]);
    expect(t.scheduler.probeCount).toBe(20_001);
    expect(t.plans.slice(plansBefore).map((p) => p.vs)).toEqual(['default/vs7']);
    // Every probe keeps its health and its schedule: no check ran because of the reload.
    expect(t.runner.calls.length).toBe(calls);
    expect(t.monitor.realServerHealth('default/vs7', '10.7.0.5:80')?.state).toBe('Up');
  });

  it('an edited check inherits the verdict it replaces until its first result (no flap)', async () => {
    const t = setup();
    t.runner.set('192.0.2.1:80', { kind: 'down', reason: 'refused' });
    t.monitor.setServices([service([rs(1), rs(2)])]);
    await t.advance(50);
    expect(t.monitor.realServerHealth('default/web', '192.0.2.1:80')?.state).toBe('Down');
    const edited = [rs(1, { probes: [probe('192.0.2.1', { interval: '2s', warmup: '1s' })] }), rs(2)];
    t.monitor.setServices([service(edited)]);
    expect(t.monitor.realServerHealth('default/web', '192.0.2.1:80')).toMatchObject({
      state: 'Down',
      reason: 'refused',
    });
    expect(t.monitor.plan('default/web')?.destinations.map((d) => d.id)).toEqual(['192.0.2.2:80']);
    expect(t.lines.filter((l) => l['msg'] === 'real server up')).toHaveLength(0);
    t.runner.set('192.0.2.1:80', { kind: 'up' });
    await t.advance(1000);
    expect(t.monitor.realServerHealth('default/web', '192.0.2.1:80')?.state).toBe('Up');
  });
});
