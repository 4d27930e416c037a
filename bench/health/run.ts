/**
 * Health-check benchmark: N real servers (spread over several addresses of a backend namespace,
 * one listener process serving many ports) checked every interval for a duration. Reports the
 * checker process's CPU use and RSS, and the lateness of checks against their schedule (p50,
 * p99, max), and writes bench/results/health-<type>-<date>.md with the machine it ran on.
 *
 *   bench/health/run.sh [--servers 10000] [--addresses 10] [--interval-ms 1000]
 *                       [--duration-s 60] [--type HTTP|TCP] [--out FILE] [--no-keepalived]
 *
 * Needs root (namespaces); see bench/health/README.md.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Registry } from 'prom-client';
import { HealthCheckSchema } from '../../src/api/index.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { createSystemCheckRunner } from '../../src/health/check-runner.js';
import { HealthMetrics } from '../../src/health/metrics.js';
import { ProbeScheduler } from '../../src/health/scheduler.js';
import { normaliseCheck } from '../../src/model/index.js';
import { ip } from '../../test/support/address.js';
import { HealthLab } from '../../test/support/health-lab.js';
import { waitFor } from '../../test/support/netns.js';
import { measureKeepalived } from './keepalived-reference.js';

const { values } = parseArgs({
  allowNegative: true,
  options: {
    servers: { type: 'string', default: '10000' },
    addresses: { type: 'string', default: '10' },
    'interval-ms': { type: 'string', default: '1000' },
    'duration-s': { type: 'string', default: '60' },
    type: { type: 'string', default: 'HTTP' },
    out: { type: 'string' },
    keepalived: { type: 'boolean', default: true },
  },
});
const servers = Number(values.servers);
const addresses = Number(values.addresses);
const intervalMs = Number(values['interval-ms']);
const durationS = Number(values['duration-s']);
const type = values.type === 'TCP' ? 'TCP' : 'HTTP';
const portsPerAddress = Math.ceil(servers / addresses);

/** utime + stime of a process, in seconds (/proc/PID/stat fields 14 and 15). */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

/**
 * The floor set by the machine: how late a 10 ms timer fires in this process while it does
 * nothing else. On a shared machine this is the operating system's wake-up latency.
 */
async function idleTimerLateness(forMs: number): Promise<Float64Array> {
  const samples: number[] = [];
  const end = performance.now() + forMs;
  while (performance.now() < end) {
    const planned = performance.now() + 10;
    await new Promise((r) => setTimeout(r, 10));
    samples.push(performance.now() - planned);
  }
  return Float64Array.from(samples).sort();
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

// What the process holds before any probe: modules, the runtime, prom-client.
const rssBaseline = process.memoryUsage().rss;
const floor = await idleTimerLateness(5000);
const lab = await HealthLab.create({ addresses, extraHttpPorts: portsPerAddress, dns: false, reportRate: true });
const registry = new Registry();
const metrics = new HealthMetrics(registry);
const runner = createSystemCheckRunner({ clock: systemClock });
let measuring = false;
const lateness = new Float64Array(Math.ceil((servers * durationS * 1000) / intervalMs) + servers * 2);
let samples = 0;
const scheduler = new ProbeScheduler({
  clock: systemClock,
  run: runner.run,
  log: silentLogger(),
  metrics,
  onStart: (ms) => {
    if (measuring && samples < lateness.length) lateness[samples++] = ms;
  },
});
try {
  const check = HealthCheckSchema.parse({
    type,
    interval: `${intervalMs}ms`,
    timeout: '1s',
    ...(type === 'HTTP' ? { http: { urls: [{ path: '/health_check.html' }] } } : {}),
  });
  for (let i = 0; i < servers; i++) {
    const r = normaliseCheck(check, {
      address: ip(lab.backendIp(i % addresses)),
      port: 8000 + Math.floor(i / addresses),
    });
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    scheduler.subscribe(r.probe, () => {});
  }
  scheduler.start();
  // One interval of warmup spreads the first checks; measure from the second interval on.
  await waitFor(() => performance.now() > 0, { what: 'start' });
  await new Promise((r) => setTimeout(r, intervalMs * 2));
  measuring = true;
  const serverPid = lab.serverPid;
  const logMark = lab.serverLog.length;
  const cpu0 = process.cpuUsage();
  const server0 = serverPid ? cpuSecondsOf(serverPid) : 0;
  const t0 = performance.now();
  const elu0 = performance.eventLoopUtilization();
  let rssMax = 0;
  const rssTimer = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage().rss)), 1000);
  await new Promise((r) => setTimeout(r, durationS * 1000));
  clearInterval(rssTimer);
  measuring = false;
  const oursAtServer = lab.acceptRate(logMark);
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuCores = (cpu.user + cpu.system) / 1e6 / wallS;
  const serverCores = serverPid ? (cpuSecondsOf(serverPid) - server0) / wallS : NaN;
  const elu = performance.eventLoopUtilization(elu0).utilization;
  const memory = process.memoryUsage();
  rssMax = Math.max(rssMax, memory.rss);
  // Live heap (run.sh passes --expose-gc): what the probes really hold, garbage aside.
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const liveHeap = gc ? mib(process.memoryUsage().heapUsed) : 'n/a';
  const sorted = lateness.slice(0, samples).sort();
  const checks = (await registry.getSingleMetric('lvs_health_checks_total')?.get())?.values ?? [];
  const byResult = checks.map((v) => `${String(v.labels['result'])}: ${v.value}`).join(', ');
  scheduler.stop();

  const row = {
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    max: sorted[sorted.length - 1] ?? NaN,
  };
  const machine = {
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    kernel: execFileSync('uname', ['-r']).toString().trim(),
    node: process.version,
    load: loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
  };
  const ok = (b: boolean) => (b ? 'met' : 'NOT met');
  // keepalived on the same backends, the same check and interval, right after ours.
  const reference = values.keepalived
    ? await measureKeepalived({
        dir: lab.netns.dir,
        targets: Array.from({ length: servers }, (_, i) => ({
          ip: lab.backendIp(i % addresses),
          port: 8000 + Math.floor(i / addresses),
        })),
        type,
        intervalMs,
        durationS,
        serverLogLength: () => lab.serverLog.length,
        acceptRate: (from) => lab.acceptRate(from),
      })
    : { ran: false, note: 'not requested (--no-keepalived)' };
  const keepalivedSection = reference.ran
    ? `keepalived ${reference.version ?? ''} (${reference.note}), on the same backends right after ours, same check and delay_loop: checker CPU ${reference.cpuCores?.toFixed(3)} cores, RSS ${reference.rssMiB?.toFixed(0)} MiB, ${reference.checksPerS?.toFixed(0)} connections/s seen by the backends (its lateness is not observable from outside).`
    : `keepalived reference: ${reference.note}.`;
  const report = `# Health-check benchmark: ${servers} real servers, ${type}, every ${intervalMs} ms, ${durationS} s

Run: \`bench/health/run.sh --servers ${servers} --addresses ${addresses} --interval-ms ${intervalMs} --duration-s ${durationS} --type ${type}\`
(${new Date().toISOString()})

Machine: ${machine.nproc} CPUs (${machine.cpu}), Linux ${machine.kernel}, Node ${machine.node}; load average at the end
${machine.load} (other work on the machine competes for its CPUs).
Setup: one backend namespace with ${addresses} addresses; one Node process listens on ports 8000-${8000 + portsPerAddress - 1}
of every address (${servers} distinct address:port targets). Checker: ProbeScheduler + the real ${type === 'HTTP' ? 'HTTP_GET' : 'TCP_CHECK'} checker,
warmup = interval, concurrency bound 1024, in the benchmark process. Measured over ${wallS.toFixed(1)} s after ${2 * intervalMs} ms of warm-up.

| figure | value | target |
| --- | --- | --- |
| checker CPU | ${cpuCores.toFixed(3)} cores | < 1 core: ${ok(cpuCores < 1)} |
| checker RSS (max) | ${mib(rssMax)} MiB (${mib(rssBaseline)} MiB before the first probe) | < 300 MB (286 MiB): ${ok(rssMax < 300e6)} |
| lateness p50 | ${row.p50.toFixed(2)} ms | |
| lateness p99 | ${row.p99.toFixed(2)} ms | < 100 ms: ${ok(row.p99 < 100)} |
| lateness max | ${row.max.toFixed(2)} ms | |
| floor: a 10 ms timer of the idle process, late by p50 / p99 | ${quantile(floor, 0.5).toFixed(2)} / ${quantile(floor, 0.99).toFixed(2)} ms | |
| checks started (measured) | ${samples} (${(samples / wallS).toFixed(0)}/s) | ${(servers * 1000) / intervalMs}/s |
| connections seen by the backends | ${oursAtServer.toFixed(0)}/s | |
| heap used / heap total / external at the end | ${mib(memory.heapUsed)} / ${mib(memory.heapTotal)} / ${mib(memory.external)} MiB (live after a full GC: ${liveHeap} MiB) | |
| event-loop utilisation | ${(elu * 100).toFixed(1)} % | |
| backend server CPU (same machine) | ${serverCores.toFixed(3)} cores | |

Results over the whole run (lvs_health_checks_total by result): ${byResult}.

${keepalivedSection}
`;
  const out = values.out ?? `bench/results/health-${type.toLowerCase()}-${new Date().toISOString().slice(0, 10)}.md`;
  writeFileSync(out, report);
  process.stdout.write(report);
} finally {
  scheduler.stop();
  runner.close();
  await lab.destroy();
}
