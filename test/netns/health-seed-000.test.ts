/**
 * Seed 000's operating procedure: two real servers behind `lvs_sched lc` / DR with
 * `HTTP_GET /health_check.html status_code 200`, `connect_timeout 3`, `delay_loop 3` and
 * `inhibit_on_failure`. Renaming the page on one backend (mv health_check.html ...) takes it out
 * of rotation, at weight 0 so its connections drain, within
 * delay_loop x (retry + 1) + delay_before_retry x retry (3 x 2 + 3 = 9 s with keepalived's
 * defaults retry 1 and delay_before_retry 3 s); renaming it back brings it back at weight 1
 * within one delay_loop. The other server never changes.
 */
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { VirtualServerSpecSchema } from '../../src/api/index.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { createSystemCheckRunner, type SystemCheckRunner } from '../../src/health/check-runner.js';
import { HealthMonitor, type MonitoredService } from '../../src/health/monitor.js';
import { ProbeScheduler } from '../../src/health/scheduler.js';
import type { WeightPlan } from '../../src/health/weights.js';
import { normaliseCheck } from '../../src/model/index.js';
import { ip } from '../support/address.js';
import { HEALTH_PAGE, HealthLab } from '../support/health-lab.js';
import { waitFor } from '../support/netns.js';
import { describeAsRoot } from '../support/privileges.js';

const TOLERANCE_MS = 500;

describeAsRoot('seed 000: drain a real server by renaming its health page', () => {
  let lab: HealthLab;
  let runner: SystemCheckRunner;
  let scheduler: ProbeScheduler;
  let monitor: HealthMonitor;
  const plans: { at: number; plan: WeightPlan }[] = [];

  beforeAll(async () => {
    lab = await HealthLab.create({ addresses: 2, perAddress: true, dns: false });
    runner = createSystemCheckRunner({ clock: systemClock });
    scheduler = new ProbeScheduler({ clock: systemClock, run: runner.run, log: silentLogger() });
    monitor = new HealthMonitor({ scheduler, log: silentLogger() });
    monitor.subscribe((_vs, plan) => plans.push({ at: performance.now(), plan }));
  });
  afterAll(async () => {
    monitor?.stop();
    scheduler?.stop();
    runner?.close();
    await lab?.destroy();
  });

  it('takes the server out within the bound and back within delay_loop', async () => {
    const check = {
      type: 'HTTP',
      interval: '3s',
      timeout: '3s',
      connectPort: 80,
      http: { urls: [{ path: '/health_check.html', statusCodes: ['200'] }] },
    } as const;
    // virtual_server group example_web_servers { delay_loop 3; lvs_sched lc; lvs_method DR ... }
    const spec = VirtualServerSpecSchema.parse({
      addresses: [{ ip: '192.168.105.253', port: 80 }],
      scheduler: 'lc',
      forwarding: 'DR',
      protocol: 'TCP',
      inhibitOnFailure: true,
      realServers: [0, 1].map((i) => ({
        address: lab.backendIp(i),
        port: 80,
        weight: 1,
        inhibitOnFailure: true,
        healthChecks: [check],
      })),
    });
    const service: MonitoredService = {
      id: 'default/example-web-servers',
      alpha: spec.alpha,
      quorum: spec.quorum,
      hysteresis: spec.hysteresis,
      realServers: (spec.realServers ?? []).map((rs) => {
        const port = rs.port ?? 80;
        const probes = (rs.healthChecks ?? []).map((c) => {
          const r = normaliseCheck(c, { address: ip(rs.address), port });
          if (!r.ok) throw new Error(JSON.stringify(r.issues));
          return r.probe;
        });
        return {
          id: `${rs.address}:${port}`,
          address: rs.address,
          port,
          weight: rs.weight,
          inhibitOnFailure: rs.inhibitOnFailure ?? spec.inhibitOnFailure,
          probes,
        };
      }),
    };
    const probe = service.realServers[0]?.probes[0];
    expect(probe).toMatchObject({ intervalMs: 3000, timeoutMs: 3000, retry: 1, delayBeforeRetryMs: 3000 });
    const first = `${lab.backendIp(0)}:80`;
    const second = `${lab.backendIp(1)}:80`;
    const weights = (plan: WeightPlan | undefined) =>
      Object.fromEntries((plan?.destinations ?? []).map((d) => [d.id, d.weight]));

    monitor.setServices([service]);
    scheduler.start();
    await waitFor(
      () =>
        monitor.realServerHealth(service.id, first)?.state === 'Up' &&
        monitor.realServerHealth(service.id, second)?.state === 'Up',
      {
        what: 'both servers checked up',
        timeoutMs: 8000,
      },
    );
    expect(weights(monitor.plan(service.id))).toEqual({ [first]: 1, [second]: 1 });

    const page = join(lab.docrootOf(0), HEALTH_PAGE);
    const renamed = performance.now();
    renameSync(page, `${page}.maintenance`);
    const drained = await waitFor(() => plans.find((p) => p.at >= renamed && weights(p.plan)[first] === 0), {
      what: 'first server at weight 0',
      timeoutMs: 15_000,
    });
    expect(drained.at - renamed).toBeLessThanOrEqual(3000 * 2 + 3000 * 1 + TOLERANCE_MS);
    expect(weights(drained.plan)).toEqual({ [first]: 0, [second]: 1 });
    expect(monitor.realServerHealth(service.id, first)).toMatchObject({
      state: 'Down',
      reason: 'status',
      detail: '/health_check.html: status 404',
    });

    const restored = performance.now();
    renameSync(`${page}.maintenance`, page);
    const back = await waitFor(() => plans.find((p) => p.at >= restored && weights(p.plan)[first] === 1), {
      what: 'first server back at weight 1',
      timeoutMs: 8000,
    });
    expect(back.at - restored).toBeLessThanOrEqual(3000 + TOLERANCE_MS);
    expect(weights(back.plan)).toEqual({ [first]: 1, [second]: 1 });
  });
});
