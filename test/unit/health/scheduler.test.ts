import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HealthCheckSchema, type HealthCheckInput } from '../../../src/api/index.js';
import { pino } from 'pino';
import { FakeClock } from '../../../src/core/fake-clock.js';
import { FakeCheckRunner } from '../../../src/health/fake-check-runner.js';
import { HealthMetrics } from '../../../src/health/metrics.js';
import { ProbeScheduler, type ProbeReport } from '../../../src/health/scheduler.js';
import type { HealthProbe } from '../../../src/health/types.js';
import { normaliseCheck } from '../../../src/model/index.js';
import { ip } from '../../support/address.js';

function probe(address: string, input: Partial<HealthCheckInput> = {}): HealthProbe {
  const r = normaliseCheck(HealthCheckSchema.parse({ type: 'TCP', interval: '1s', warmup: '0s', ...input }), {
    address: ip(address),
    port: 80,
  });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.probe;
}

/** A seeded uniform generator (mulberry32), so warmup spreading is reproducible. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Lets promise continuations run (no wall-clock wait involved). */
const flush = () => new Promise<void>((r) => setImmediate(r));

function setup(opts: { latencyMs?: number; maxConcurrent?: number; seed?: number } = {}) {
  const clock = new FakeClock(1000);
  const runner = new FakeCheckRunner(clock, opts.latencyMs ?? 0);
  const registry = new Registry();
  const metrics = new HealthMetrics(registry);
  const lateness: number[] = [];
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'warn' }, { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) });
  const scheduler = new ProbeScheduler({
    clock,
    run: runner.run,
    log,
    metrics,
    random: seeded(opts.seed ?? 1),
    onStart: (ms) => lateness.push(ms),
    ...(opts.maxConcurrent !== undefined ? { maxConcurrent: opts.maxConcurrent } : {}),
  });
  /** Advances time in small steps, letting attempts settle between them. */
  const advance = async (ms: number, step = 10) => {
    for (let t = 0; t < ms; t += step) {
      clock.advance(Math.min(step, ms - t));
      await flush();
    }
  };
  return { clock, runner, scheduler, registry, lateness, advance, lines };
}

describe('ProbeScheduler', () => {
  it('spreads first checks over the warmup window and then keeps a fixed rate', async () => {
    const { runner, scheduler, advance } = setup();
    for (let i = 0; i < 200; i++) scheduler.subscribe(probe(`192.0.2.${i % 250}`, { warmup: '1s' }), () => {});
    scheduler.start();
    await advance(1000);
    const first = runner.calls.map((c) => c.atMs - 1000);
    expect(first).toHaveLength(200);
    expect(Math.max(...first)).toBeLessThan(1000);
    // No burst: no 100 ms slice of the window holds more than twice its share.
    const slices = Array.from({ length: 10 }, (_, s) => first.filter((t) => t >= s * 100 && t < (s + 1) * 100).length);
    expect(Math.max(...slices)).toBeLessThanOrEqual(40);
    await advance(3000);
    // Every probe ran once per second, one interval apart.
    const target = runner.callsTo('192.0.2.7:80').map((c) => c.atMs);
    expect(target).toHaveLength(4);
    expect(target.slice(1).map((t, i) => t - (target[i] as number))).toEqual([1000, 1000, 1000]);
  });

  it('runs identical probes once for all their subscribers', async () => {
    const { runner, scheduler, advance } = setup();
    const seen = new Map<string, number>();
    for (let vs = 0; vs < 50; vs++) {
      for (let rs = 0; rs < 10; rs++) {
        scheduler.subscribe(probe(`192.0.2.${rs}`), () => seen.set(`${vs}/${rs}`, (seen.get(`${vs}/${rs}`) ?? 0) + 1));
      }
    }
    expect(scheduler.probeCount).toBe(10);
    scheduler.start();
    await advance(4990); // checks at 1000, 2000 ... 5000
    expect(runner.calls).toHaveLength(50);
    expect(seen.size).toBe(500);
    expect([...seen.values()].every((n) => n === 5)).toBe(true);
  });

  it('retries a failing up server retry times, delay_before_retry apart, then declares it down', async () => {
    const { runner, scheduler, advance } = setup();
    const reports: ProbeReport[] = [];
    scheduler.subscribe(probe('192.0.2.1', { retry: 2, delayBeforeRetry: '300ms' }), (r) => reports.push(r));
    scheduler.start();
    await advance(10);
    expect(reports.at(-1)?.health).toBe('up');
    runner.set('192.0.2.1:80', { kind: 'down', reason: 'refused' });
    await advance(1000); // t=2000: scheduled attempt fails, retry at 2300, 2600
    expect(reports.at(-1)).toMatchObject({ health: 'up', attempt: 1, final: false });
    await advance(600);
    expect(reports.slice(-3).map((r) => [r.startedAtMs, r.attempt, r.health, r.final])).toEqual([
      [2000, 1, 'up', false],
      [2300, 2, 'up', false],
      [2600, 3, 'down', true],
    ]);
    // Down: one attempt per interval, no retries; the cycle keeps its fixed rate.
    await advance(2000);
    expect(reports.slice(-2).map((r) => [r.startedAtMs, r.attempt, r.final])).toEqual([
      [3000, 1, true],
      [4000, 1, true],
    ]);
    // One success brings it back.
    runner.set('192.0.2.1:80', { kind: 'up' });
    await advance(1000);
    expect(reports.at(-1)).toMatchObject({ health: 'up', previous: 'down', startedAtMs: 5000 });
  });

  it('bounds concurrency and reports the wait as lateness', async () => {
    const { runner, scheduler, lateness, advance } = setup({ latencyMs: 100, maxConcurrent: 2 });
    for (let i = 0; i < 6; i++) scheduler.subscribe(probe(`192.0.2.${i}`), () => {});
    scheduler.start();
    await advance(400);
    expect(runner.maxInFlight).toBe(2);
    expect(lateness.slice(0, 6)).toEqual([0, 0, 100, 100, 200, 200]);
  });

  it('counts a checker that throws as reason error, logs it once, and keeps running the others', async () => {
    const { runner, scheduler, registry, advance, lines } = setup();
    const reports: ProbeReport[] = [];
    runner.set('192.0.2.1:80', { kind: 'throw' });
    scheduler.subscribe(probe('192.0.2.1', { retry: 0 }), (r) => reports.push(r));
    scheduler.subscribe(probe('192.0.2.2'), (r) => reports.push(r));
    scheduler.start();
    await advance(2500);
    const bad = reports.filter((r) => r.probe.target.ip === '192.0.2.1');
    const good = reports.filter((r) => r.probe.target.ip === '192.0.2.2');
    expect(bad.map((r) => [r.health, !r.result.ok && r.result.reason])).toEqual([
      ['down', 'error'],
      ['down', 'error'],
      ['down', 'error'],
    ]);
    expect(good.map((r) => r.health)).toEqual(['up', 'up', 'up']);
    const text = await registry.metrics();
    expect(text).toContain('lvs_health_checks_total{type="TCP",result="error"} 3');
    expect(text).toContain('lvs_health_checks_total{type="TCP",result="success"} 3');
    expect(text).toContain('lvs_health_probes{state="up"} 1');
    expect(text).toContain('lvs_health_probes{state="down"} 1');
    expect(text).toContain('lvs_health_probes{state="unknown"} 0');
    expect(lines.filter((l) => l['msg'] === 'checker failed')).toHaveLength(1);
  });

  it('abandons a checker that never returns, as a timeout', async () => {
    const { runner, scheduler, advance } = setup();
    const reports: ProbeReport[] = [];
    runner.set('192.0.2.1:80', { kind: 'hang' });
    scheduler.subscribe(probe('192.0.2.1', { timeout: '500ms', retry: 0, interval: '10s' }), (r) => reports.push(r));
    scheduler.start();
    await advance(4000);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ health: 'down', result: { ok: false, reason: 'timeout' } });
    expect(reports[0]?.result.latencyMs).toBe(3500);
  });

  it('stops a probe when its last subscriber leaves', async () => {
    const { runner, scheduler, advance } = setup();
    const a = scheduler.subscribe(probe('192.0.2.1'), () => {});
    const b = scheduler.subscribe(probe('192.0.2.1'), () => {});
    scheduler.start();
    await advance(1500);
    a.unsubscribe();
    await advance(1000);
    expect(runner.calls).toHaveLength(3);
    b.unsubscribe();
    expect(scheduler.probeCount).toBe(0);
    await advance(3000);
    expect(runner.calls).toHaveLength(3);
  });

  it('stops and starts again with fresh warmup spreading', async () => {
    const { runner, scheduler, advance } = setup();
    scheduler.subscribe(probe('192.0.2.1'), () => {});
    scheduler.start();
    await advance(1500);
    expect(runner.calls).toHaveLength(2);
    scheduler.stop();
    await advance(3000);
    expect(runner.calls).toHaveLength(2);
    scheduler.start();
    await advance(1500);
    expect(runner.calls.map((c) => c.atMs)).toEqual([1000, 2000, 5500, 6500]);
  });
});
