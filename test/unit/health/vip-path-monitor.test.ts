/**
 * The VIP-path probe inside the monitor: it ANDs with the server's own check, follows its
 * retry semantics, and its reason reaches the log line and the status entry.
 */
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/fake-clock.js';
import type { CheckRunner } from '../../../src/health/checker.js';
import { HealthMetrics } from '../../../src/health/metrics.js';
import { HealthMonitor } from '../../../src/health/monitor.js';
import { vipPathProbes } from '../../../src/health/probes.js';
import { ProbeScheduler } from '../../../src/health/scheduler.js';
import { realServerStatusEntry } from '../../../src/health/status.js';
import type { HealthProbe } from '../../../src/health/types.js';
import { createVipPathChecker } from '../../../src/health/vip-path-check.js';
import { FakeL2Paths } from '../../../src/net/fake-l2-paths.js';
import type { SynProbeOutcome } from '../../../src/net/index.js';
import { ip } from '../../support/address.js';

const flush = () => new Promise<void>((r) => setImmediate(r));
const RS = '192.0.2.11';
const RS_MAC = '02:00:00:00:00:0b';

const tcp: HealthProbe = {
  type: 'TCP',
  target: { ip: RS, family: 4, port: 80 },
  intervalMs: 1000,
  timeoutMs: 500,
  retry: 1,
  delayBeforeRetryMs: 200,
  warmupMs: 0,
};

function setup() {
  const clock = new FakeClock(0);
  const paths = new FakeL2Paths();
  paths.paths.set(RS, {
    kind: 'direct',
    ifindex: 3,
    iface: 'eth0',
    srcMac: '02:00:00:00:00:01',
    srcIp: '192.0.2.1',
    dstMac: RS_MAC,
  });
  let answer: SynProbeOutcome['kind'] = 'syn-ack';
  let synCount = 0;
  const prober = {
    probe: (): Promise<SynProbeOutcome> => {
      synCount++;
      return Promise.resolve({ kind: answer, latencyMs: answer === 'silence' ? 500 : 1 });
    },
  };
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) });
  const registry = new Registry();
  const metrics = new HealthMetrics(registry);
  const vip = createVipPathChecker({ clock }, { paths, prober, log, metrics });
  // The server's own check always passes: it goes to the server's address, not to the VIP.
  const run: CheckRunner = (p, signal) =>
    p.type === 'VIP_PATH' ? vip(p, signal) : Promise.resolve({ ok: true, latencyMs: 1 });
  const scheduler = new ProbeScheduler({ clock, run, log, metrics, random: () => 0 });
  const monitor = new HealthMonitor({ scheduler, log, metrics, wallClock: () => clock.now() });
  scheduler.start();
  const probes = [
    tcp,
    ...vipPathProbes({
      address: ip(RS),
      vips: [{ ip: ip('192.0.2.100'), port: 80 }],
      mode: 'Auto',
      encapsulation: 'none',
      probes: [tcp],
    }),
  ];
  monitor.setServices([
    {
      id: 'default/web',
      alpha: false,
      quorum: 1,
      hysteresis: 0,
      realServers: [{ id: `${RS}:80`, address: RS, port: 80, weight: 1, inhibitOnFailure: false, probes }],
    },
  ]);
  const advance = async (ms: number) => {
    for (let t = 0; t < ms; t += 10) {
      clock.advance(10);
      await flush();
    }
  };
  return {
    monitor,
    lines,
    advance,
    setAnswer: (a: SynProbeOutcome['kind']) => (answer = a),
    syns: () => synCount,
    health: () => monitor.realServerHealth('default/web', `${RS}:80`),
  };
}

describe('VIP-path probe in the health monitor', () => {
  it('the server is down while its own check passes but the VIP path is silent, after the retry', async () => {
    const t = setup();
    await t.advance(50);
    expect(t.health()?.state).toBe('Up');
    t.setAnswer('silence');
    await t.advance(1000);
    // First failed attempt: retried after delayBeforeRetry (retry 1), still up meanwhile.
    expect(t.health()?.state).toBe('Up');
    await t.advance(800);
    const health = t.health();
    expect(health).toMatchObject({ state: 'Down', reason: 'vip-path' });
    expect(health?.checks.map((c) => [c.type, c.health])).toEqual([
      ['TCP', 'up'],
      ['VIP_PATH', 'down'],
    ]);
    const detail = `VIP path: no answer to a SYN for 192.0.2.100:80 delivered to ${RS_MAC}`;
    expect(t.lines.filter((l) => l['msg'] === 'real server down')).toEqual([
      expect.objectContaining({ vs: 'default/web', rs: `${RS}:80`, reason: 'vip-path', detail }),
    ]);
    expect(health && realServerStatusEntry({ address: RS, port: 80 }, health, 'lvs01', 0).reason).toBe(
      `vip-path: ${detail}`,
    );
  });

  it('one answer brings it back (a down server is not retried)', async () => {
    const t = setup();
    t.setAnswer('silence');
    await t.advance(2000);
    expect(t.health()?.state).toBe('Down');
    const before = t.syns();
    t.setAnswer('syn-ack');
    await t.advance(1000);
    expect(t.health()?.state).toBe('Up');
    expect(t.syns() - before).toBe(1);
    expect(t.lines.filter((l) => l['msg'] === 'real server up')).toHaveLength(1);
  });
});
