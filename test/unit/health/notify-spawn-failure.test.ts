/**
 * A notify hook that cannot even be spawned (a NUL byte in its argv makes child_process.spawn
 * throw synchronously) must not skip the replan that follows it: the dead server leaves the
 * plan all the same. The real notify runner is used on purpose, with the fake check runner.
 */
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { expect, it } from 'vitest';
import { HealthCheckSchema } from '../../../src/api/index.js';
import { FakeClock } from '../../../src/core/fake-clock.js';
import { FakeCheckRunner } from '../../../src/health/fake-check-runner.js';
import { HealthMetrics } from '../../../src/health/metrics.js';
import { HealthMonitor } from '../../../src/health/monitor.js';
import { createNotifyRunner } from '../../../src/health/notify-command.js';
import { ProbeScheduler } from '../../../src/health/scheduler.js';
import type { WeightPlan } from '../../../src/health/weights.js';
import { normaliseCheck } from '../../../src/model/index.js';
import { ip } from '../../support/address.js';

const flush = () => new Promise<void>((r) => setImmediate(r));

it.each([
  { name: 'a NUL byte in an argument', down: ['/bin/true', 'a\u0000b'] },
  { name: 'a NUL byte in the program', down: ['/bin/tr\u0000ue'] },
  { name: 'an empty program', down: [''] },
])('a down server leaves the plan although its notify hook has $name', async ({ down }) => {
  const clock = new FakeClock(0);
  const runner = new FakeCheckRunner(clock);
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'warn' }, { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) });
  const metrics = new HealthMetrics(new Registry());
  const scheduler = new ProbeScheduler({ clock, run: runner.run, log, metrics, random: () => 0 });
  const plans: WeightPlan[] = [];
  const monitor = new HealthMonitor({
    scheduler,
    log,
    metrics,
    notify: createNotifyRunner({ clock, log }),
  });
  monitor.subscribe((_vs, plan) => plans.push(plan));
  scheduler.start();
  const check = normaliseCheck(HealthCheckSchema.parse({ type: 'TCP', interval: '1s', warmup: '0s', retry: 0 }), {
    address: ip('192.0.2.1'),
    port: 80,
  });
  if (!check.ok) throw new Error('bad probe');
  monitor.setServices([
    {
      id: 'default/web',
      alpha: false,
      quorum: 1,
      hysteresis: 0,
      realServers: [
        {
          id: '192.0.2.1:80',
          address: '192.0.2.1',
          port: 80,
          weight: 1,
          inhibitOnFailure: false,
          probes: [check.probe],
          notify: { down },
        },
      ],
    },
  ]);
  const advance = async (ms: number) => {
    for (let t = 0; t < ms; t += 10) {
      clock.advance(10);
      await flush();
    }
  };
  await advance(50);
  expect(plans.at(-1)?.destinations.map((d) => d.id)).toEqual(['192.0.2.1:80']);
  runner.set('192.0.2.1:80', { kind: 'down', reason: 'refused' });
  await advance(1000);
  expect(monitor.realServerHealth('default/web', '192.0.2.1:80')).toMatchObject({ state: 'Down' });
  expect(plans.at(-1)?.destinations).toEqual([]);
  await flush();
  expect(lines.filter((l) => l['msg'] === 'notify hook refused')).toEqual([
    expect.objectContaining({ vs: 'default/web', rs: '192.0.2.1:80', reason: 'invalid-argv' }),
  ]);
  scheduler.stop();
});
