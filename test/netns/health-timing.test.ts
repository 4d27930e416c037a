/**
 * Every checker through the scheduler against real servers: a working server is up, a broken
 * one goes down within keepalived's bound and a repaired one comes back within one interval.
 *
 * The bound: a failure starting right after a check passed is seen by the next check, at most
 * delay_loop later; that attempt and `retry` retries, delay_before_retry apart, fail before the
 * server is down: delay_loop x (retry + 1) + delay_before_retry x retry covers it when failures
 * are immediate (refused, 404, exit status). A failure that shows as a timeout spends up to
 * connect_timeout in each of the retry + 1 attempts, which the bound adds. Tolerance: 150 ms for
 * timers and process scheduling on a loaded 2-core machine.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HealthCheckSchema, type HealthCheckInput } from '../../src/api/index.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { createSystemCheckRunner, type SystemCheckRunner } from '../../src/health/check-runner.js';
import { ProbeScheduler, type ProbeReport } from '../../src/health/scheduler.js';
import type { FailureReason } from '../../src/health/types.js';
import { normaliseCheck } from '../../src/model/index.js';
import { ip } from '../support/address.js';
import { HealthLab } from '../support/health-lab.js';
import { waitFor } from '../support/netns.js';
import { describeAsRoot } from '../support/privileges.js';

const INTERVAL_MS = 200;
const RETRY = 1;
const DELAY_BEFORE_RETRY_MS = 100;
const TIMEOUT_MS = 150;
const TOLERANCE_MS = 150;
const TIMING = {
  interval: `${INTERVAL_MS}ms`,
  retry: RETRY,
  delayBeforeRetry: `${DELAY_BEFORE_RETRY_MS}ms`,
  timeout: `${TIMEOUT_MS}ms`,
  warmup: '0s',
};

describeAsRoot('health check timing against real servers', () => {
  let lab: HealthLab;
  let runner: SystemCheckRunner;
  let scheduler: ProbeScheduler;

  beforeAll(async () => {
    lab = await HealthLab.create();
    runner = createSystemCheckRunner({ clock: systemClock });
    scheduler = new ProbeScheduler({ clock: systemClock, run: runner.run, log: silentLogger() });
    scheduler.start();
  });
  afterAll(async () => {
    scheduler?.stop();
    runner?.close();
    await lab?.destroy();
  });

  interface Case {
    readonly name: string;
    readonly check: () => HealthCheckInput;
    readonly port: number;
    readonly reason: FailureReason;
    /** The failure is a timeout: each attempt may last connect_timeout. */
    readonly slow: boolean;
    readonly breakIt: () => Promise<void>;
    readonly fixIt: () => Promise<void>;
  }

  const page = () => join(lab.docroot, 'health_check.html');
  const iptables = (...args: string[]) => lab.backend(['iptables', ...args]);
  const flag = () => join(lab.netns.dir, 'misc-flag');
  const weightFile = () => join(lab.netns.dir, 'file-check');

  const cases: Case[] = [
    {
      name: 'HTTP_GET (page renamed: 404)',
      check: () => ({ type: 'HTTP', http: { urls: [{ path: '/health_check.html' }] } }),
      port: 80,
      reason: 'status',
      slow: false,
      breakIt: async () => renameSync(page(), `${page()}.off`),
      fixIt: async () => renameSync(`${page()}.off`, page()),
    },
    {
      name: 'SSL_GET (page renamed: 404)',
      check: () => ({
        type: 'HTTPS',
        http: { urls: [{ path: '/health_check.html' }], tls: { verify: true, caFile: lab.caFile } },
      }),
      port: 443,
      reason: 'status',
      slow: false,
      breakIt: async () => renameSync(page(), `${page()}.off`),
      fixIt: async () => renameSync(`${page()}.off`, page()),
    },
    {
      name: 'TCP_CHECK (connections reset)',
      check: () => ({ type: 'TCP' }),
      port: 9000,
      reason: 'refused',
      slow: false,
      breakIt: async () =>
        void (await iptables(
          '-I',
          'INPUT',
          '-p',
          'tcp',
          '--dport',
          '9000',
          '-j',
          'REJECT',
          '--reject-with',
          'tcp-reset',
        )),
      fixIt: async () =>
        void (await iptables(
          '-D',
          'INPUT',
          '-p',
          'tcp',
          '--dport',
          '9000',
          '-j',
          'REJECT',
          '--reject-with',
          'tcp-reset',
        )),
    },
    {
      name: 'SMTP_CHECK (packets dropped)',
      check: () => ({ type: 'SMTP' }),
      port: 25,
      reason: 'timeout',
      slow: true,
      breakIt: async () => void (await iptables('-I', 'INPUT', '-p', 'tcp', '--dport', '25', '-j', 'DROP')),
      fixIt: async () => void (await iptables('-D', 'INPUT', '-p', 'tcp', '--dport', '25', '-j', 'DROP')),
    },
    {
      name: 'DNS_CHECK (queries dropped)',
      check: () => ({ type: 'DNS', dns: { queryType: 'A', name: 'up.test' } }),
      port: 53,
      reason: 'timeout',
      slow: true,
      breakIt: async () => void (await iptables('-I', 'INPUT', '-p', 'udp', '--dport', '53', '-j', 'DROP')),
      fixIt: async () => void (await iptables('-D', 'INPUT', '-p', 'udp', '--dport', '53', '-j', 'DROP')),
    },
    {
      name: 'UDP_CHECK (ICMP port unreachable)',
      check: () => ({ type: 'UDP', udp: { payload: 'beef', requireReply: true } }),
      port: 9001,
      reason: 'unreachable',
      slow: false,
      breakIt: async () => void (await iptables('-I', 'INPUT', '-p', 'udp', '--dport', '9001', '-j', 'REJECT')),
      fixIt: async () => void (await iptables('-D', 'INPUT', '-p', 'udp', '--dport', '9001', '-j', 'REJECT')),
    },
    {
      name: 'PING_CHECK (echo ignored)',
      check: () => ({ type: 'PING' }),
      port: 0,
      reason: 'timeout',
      slow: true,
      breakIt: async () => void (await lab.backend(['sysctl', '-qw', 'net.ipv4.icmp_echo_ignore_all=1'])),
      fixIt: async () => void (await lab.backend(['sysctl', '-qw', 'net.ipv4.icmp_echo_ignore_all=0'])),
    },
    {
      name: 'MISC_CHECK (script exits 1)',
      check: () => ({ type: 'MISC', misc: { command: ['test', '-e', flag()] } }),
      port: 0,
      reason: 'exit',
      slow: false,
      breakIt: async () => rmSync(flag()),
      fixIt: async () => writeFileSync(flag(), ''),
    },
    {
      name: 'FILE_CHECK (file says 1)',
      check: () => ({ type: 'FILE', file: { path: weightFile() } }),
      port: 0,
      reason: 'file',
      slow: false,
      breakIt: async () => writeFileSync(weightFile(), '1\n'),
      fixIt: async () => writeFileSync(weightFile(), '0\n'),
    },
  ];

  it.each(cases)('$name: down within the bound, back within an interval', async (c) => {
    writeFileSync(flag(), '');
    writeFileSync(weightFile(), '0\n');
    const parsed = HealthCheckSchema.parse({ ...TIMING, ...c.check() });
    const normalised = normaliseCheck(parsed, { address: ip(lab.backendIp(0)), port: c.port });
    if (!normalised.ok) throw new Error(JSON.stringify(normalised.issues));
    const reports: (ProbeReport & { at: number })[] = [];
    const sub = scheduler.subscribe(normalised.probe, (r) => reports.push({ ...r, at: performance.now() }));
    try {
      await waitFor(() => reports.some((r) => r.health === 'up'), { what: `${c.name} up`, timeoutMs: 3000 });
      const broken = performance.now();
      await c.breakIt();
      const down = await waitFor(() => reports.find((r) => r.at >= broken && r.health === 'down'), {
        what: `${c.name} down`,
        timeoutMs: 5000,
      });
      const bound = INTERVAL_MS * (RETRY + 1) + DELAY_BEFORE_RETRY_MS * RETRY + (c.slow ? TIMEOUT_MS * (RETRY + 1) : 0);
      expect(down.result.ok ? 'up' : down.result.reason).toBe(c.reason);
      expect(down.at - broken).toBeLessThanOrEqual(bound + TOLERANCE_MS);
      expect(down.at - broken).toBeGreaterThanOrEqual(DELAY_BEFORE_RETRY_MS * RETRY);
      // Retries happened: the down verdict came from attempt retry + 1.
      expect(down.attempt).toBe(RETRY + 1);

      const fixed = performance.now();
      await c.fixIt();
      const up = await waitFor(() => reports.find((r) => r.at >= fixed && r.health === 'up'), {
        what: `${c.name} up again`,
        timeoutMs: 5000,
      });
      expect(up.at - fixed).toBeLessThanOrEqual(INTERVAL_MS + TIMEOUT_MS + TOLERANCE_MS);
    } finally {
      sub.unsubscribe();
    }
  });
});
