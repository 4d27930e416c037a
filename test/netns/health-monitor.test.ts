/**
 * The whole health pipeline against real servers: a real server with three checkers (HTTP_GET,
 * TCP_CHECK, MISC_CHECK) is up only while all pass; when one fails it leaves the plan, its
 * status names the failing check's reason, the notify_down hook runs, the metrics and the log
 * say so; when it recovers, all of it reverses.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HealthCheckSchema, type HealthCheckInput } from '../../src/api/index.js';
import { systemClock } from '../../src/core/clock.js';
import { createSystemCheckRunner, type SystemCheckRunner } from '../../src/health/check-runner.js';
import { HealthMetrics } from '../../src/health/metrics.js';
import { HealthMonitor, type MonitoredService } from '../../src/health/monitor.js';
import { createNotifyRunner } from '../../src/health/notify-command.js';
import { ProbeScheduler } from '../../src/health/scheduler.js';
import type { WeightPlan } from '../../src/health/weights.js';
import { normaliseCheck } from '../../src/model/index.js';
import { ip } from '../support/address.js';
import { HealthLab } from '../support/health-lab.js';
import { waitFor } from '../support/netns.js';
import { describeAsRoot } from '../support/privileges.js';

describeAsRoot('health monitor against real servers', () => {
  let lab: HealthLab;
  let runner: SystemCheckRunner;
  let scheduler: ProbeScheduler;
  let monitor: HealthMonitor;
  const registry = new Registry();
  const lines: Record<string, unknown>[] = [];
  let plan: WeightPlan | undefined;

  beforeAll(async () => {
    lab = await HealthLab.create({ dns: false });
    const log = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) });
    const metrics = new HealthMetrics(registry);
    runner = createSystemCheckRunner({ clock: systemClock });
    scheduler = new ProbeScheduler({ clock: systemClock, run: runner.run, log, metrics });
    monitor = new HealthMonitor({
      scheduler,
      log,
      metrics,
      notify: createNotifyRunner({ clock: systemClock, log }),
    });
    monitor.subscribe((_vs, p) => (plan = p));
  });
  afterAll(async () => {
    monitor?.stop();
    scheduler?.stop();
    runner?.close();
    await lab?.destroy();
  });

  it('is up only while every check passes, and says why when not', async () => {
    const address = lab.backendIp(0);
    const timing = { interval: '200ms', timeout: '150ms', retry: 1, delayBeforeRetry: '100ms', warmup: '0s' };
    const checks: HealthCheckInput[] = [
      { type: 'HTTP', http: { urls: [{ path: '/health_check.html' }] } },
      { type: 'TCP', connectPort: 9000 },
      { type: 'MISC', misc: { command: ['true'] } },
    ];
    const probes = checks.map((c) => {
      const r = normaliseCheck(HealthCheckSchema.parse({ ...timing, ...c }), { address: ip(address), port: 80 });
      if (!r.ok) throw new Error(JSON.stringify(r.issues));
      return r.probe;
    });
    const marks = { up: join(lab.netns.dir, 'notified-up'), down: join(lab.netns.dir, 'notified-down') };
    const id = `${address}:80`;
    const service: MonitoredService = {
      id: 'default/web',
      alpha: true,
      quorum: 1,
      hysteresis: 0,
      realServers: [
        {
          id,
          address,
          port: 80,
          weight: 2,
          inhibitOnFailure: false,
          probes,
          notify: { up: ['touch', marks.up], down: ['touch', marks.down] },
        },
      ],
    };
    monitor.setServices([service]);
    // alpha: out of the pool until the checks pass.
    expect(plan?.destinations).toEqual([]);
    scheduler.start();
    await waitFor(() => plan?.destinations.length === 1, { what: 'server up', timeoutMs: 5000 });
    expect(plan?.destinations).toEqual([{ id, address, port: 80, weight: 2 }]);
    await waitFor(() => existsSync(marks.up), { what: 'notify_up' });

    const reject = ['INPUT', '-p', 'tcp', '--dport', '9000', '-j', 'REJECT', '--reject-with', 'tcp-reset'];
    await lab.backend(['iptables', '-I', ...reject]);
    try {
      await waitFor(() => plan?.destinations.length === 0, { what: 'server down', timeoutMs: 5000 });
      expect(monitor.realServerHealth('default/web', id)).toMatchObject({ state: 'Down', reason: 'refused' });
      const status = monitor.realServerHealth('default/web', id);
      expect(status?.checks.map((c) => [c.type, c.health])).toEqual([
        ['HTTP', 'up'],
        ['TCP', 'down'],
        ['MISC', 'up'],
      ]);
      await waitFor(() => existsSync(marks.down), { what: 'notify_down' });
      expect(lines.find((l) => l['msg'] === 'real server down')).toMatchObject({
        vs: 'default/web',
        rs: id,
        reason: 'refused',
      });
      expect(await registry.metrics()).toContain(`lvs_health_real_server_up{vs="default/web",rs="${id}"} 0`);
    } finally {
      await lab.backend(['iptables', '-D', ...reject]);
    }
    await waitFor(() => plan?.destinations.length === 1, { what: 'server back', timeoutMs: 5000 });
    expect(await registry.metrics()).toContain(`lvs_health_real_server_up{vs="default/web",rs="${id}"} 1`);
    expect(lines.filter((l) => l['msg'] === 'real server up')).toHaveLength(2);
    expect(readFileSync(marks.down, 'utf8')).toBe('');
  });
});
