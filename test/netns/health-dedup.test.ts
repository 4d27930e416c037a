/**
 * One real server behind many virtual servers is checked once per interval, not once per
 * virtual server (keepalived checks it once per real_server block). 50 virtual servers share
 * 10 real servers: the backends count 10 requests per interval.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HealthCheckSchema } from '../../src/api/index.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { createSystemCheckRunner, type SystemCheckRunner } from '../../src/health/check-runner.js';
import { HealthMonitor, type MonitoredRealServer } from '../../src/health/monitor.js';
import { ProbeScheduler } from '../../src/health/scheduler.js';
import { normaliseCheck } from '../../src/model/index.js';
import { ip } from '../support/address.js';
import { HealthLab } from '../support/health-lab.js';
import { waitFor } from '../support/netns.js';
import { describeAsRoot } from '../support/privileges.js';

const SERVERS = 10;
const SERVICES = 50;
const INTERVAL_MS = 500;

describeAsRoot('health probe deduplication', () => {
  let lab: HealthLab;
  let runner: SystemCheckRunner;
  let scheduler: ProbeScheduler;
  let monitor: HealthMonitor;

  beforeAll(async () => {
    lab = await HealthLab.create({ addresses: SERVERS, logHits: true, dns: false });
    runner = createSystemCheckRunner({ clock: systemClock });
    scheduler = new ProbeScheduler({ clock: systemClock, run: runner.run, log: silentLogger() });
    monitor = new HealthMonitor({ scheduler, log: silentLogger() });
  });
  afterAll(async () => {
    monitor?.stop();
    scheduler?.stop();
    runner?.close();
    await lab?.destroy();
  });

  it(`${SERVICES} virtual servers sharing ${SERVERS} real servers cause ${SERVERS} probes per interval`, async () => {
    const check = HealthCheckSchema.parse({
      type: 'HTTP',
      interval: `${INTERVAL_MS}ms`,
      timeout: '400ms',
      http: { urls: [{ path: '/health_check.html' }] },
    });
    const realServers: MonitoredRealServer[] = Array.from({ length: SERVERS }, (_, i) => {
      const address = lab.backendIp(i);
      const r = normaliseCheck(check, { address: ip(address), port: 80 });
      if (!r.ok) throw new Error(JSON.stringify(r.issues));
      return { id: `${address}:80`, address, port: 80, weight: 1, inhibitOnFailure: false, probes: [r.probe] };
    });
    monitor.setServices(
      Array.from({ length: SERVICES }, (_, v) => ({
        id: `default/vs-${v}`,
        alpha: false,
        quorum: 1,
        hysteresis: 0,
        realServers,
      })),
    );
    expect(scheduler.probeCount).toBe(SERVERS);
    scheduler.start();
    // Past the warmup (one interval), every probe has run at least once.
    await waitFor(() => lab.hits('/health_check.html').size === SERVERS, {
      what: 'every backend checked',
      timeoutMs: 5000,
    });
    const before = lab.hits('/health_check.html');
    const windowStart = performance.now();
    const intervals = 4;
    await waitFor(() => performance.now() - windowStart >= intervals * INTERVAL_MS, {
      what: 'four intervals',
      timeoutMs: 10_000,
    });
    const after = lab.hits('/health_check.html');
    const perServer = [...after].map(([ip, n]) => n - (before.get(ip) ?? 0));
    expect(perServer).toHaveLength(SERVERS);
    // One request per server per interval: 4 in the window (5 at its edges; fewer only if the
    // machine stalls the checker). Without deduplication each server would see 50 per interval.
    for (const n of perServer) expect(n).toBeGreaterThanOrEqual(1);
    for (const n of perServer) expect(n).toBeLessThanOrEqual(intervals + 1);
    const total = perServer.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(SERVERS * (intervals - 1));
    expect(total).toBeLessThanOrEqual(SERVERS * (intervals + 1));
    expect(monitor.plan('default/vs-49')?.destinations).toHaveLength(SERVERS);
  });
});
