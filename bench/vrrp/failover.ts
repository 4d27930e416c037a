/**
 * VRRP failover benchmark: our speaker pair against a keepalived 2.2.7 pair on the same
 * topology in the same run. See bench/vrrp/README.md.
 *
 *   sudo -E node --import tsx bench/vrrp/failover.ts [--runs 20] [--only ours|keepalived] [--out FILE]
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { parseArgs } from 'node:util';
import { NetnsLab, run, waitFor } from '../../test/support/netns.js';
import { holders, startKeepalived, startOurs, type Peer, type PeerOptions } from '../../test/netns/vrrp-peers.js';
import { masterDownIntervalMs, skewTimeMs } from '../../src/vrrp/timers.js';

interface Scenario {
  readonly name: string;
  readonly version: 2 | 3;
  readonly advertIntervalMs: number;
  readonly mode: 'crash' | 'graceful';
}

interface Advert {
  readonly at: number;
  readonly source: string;
  readonly priority: number;
}

const SCENARIOS: readonly Scenario[] = [
  { name: 'crash, v2, 1 s', version: 2, advertIntervalMs: 1000, mode: 'crash' },
  { name: 'crash, v3, 1 s', version: 3, advertIntervalMs: 1000, mode: 'crash' },
  { name: 'crash, v3, 100 ms', version: 3, advertIntervalMs: 100, mode: 'crash' },
  { name: 'graceful, v2, 1 s', version: 2, advertIntervalMs: 1000, mode: 'graceful' },
  { name: 'graceful, v3, 1 s', version: 3, advertIntervalMs: 1000, mode: 'graceful' },
  { name: 'graceful, v3, 100 ms', version: 3, advertIntervalMs: 100, mode: 'graceful' },
];

const VIP = '10.77.9.100';
const MASTER = { node: 'a', address: '10.77.9.1', priority: 150 };
const BACKUP = { node: 'b', address: '10.77.9.2', priority: 100 };

/** Wall-clock milliseconds with sub-millisecond precision (tcpdump -tt uses the same clock). */
function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Captures VRRP adverts in the client namespace. */
function capture(lab: NetnsLab): { adverts: Advert[]; stop(): void } {
  const adverts: Advert[] = [];
  const p = spawn(
    'ip',
    ['netns', 'exec', lab.node('client').netns, 'tcpdump', '-i', 'eth0', '-nn', '-tt', '-l', 'vrrp'],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  let rest = '';
  p.stdout.on('data', (b: Buffer) => {
    const lines = (rest + b.toString()).split('\n');
    rest = lines.pop() ?? '';
    for (const l of lines) {
      const m = /^(\d+\.\d+) IP (\S+) > \S+ VRRPv\d, Advertisement, .*prio (\d+)/.exec(l);
      if (m?.[1] && m[2] && m[3]) adverts.push({ at: Number(m[1]) * 1000, source: m[2], priority: Number(m[3]) });
    }
  });
  return { adverts, stop: () => p.kill('SIGKILL') };
}

function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return (s[lo] ?? NaN) + ((s[hi] ?? NaN) - (s[lo] ?? NaN)) * (i - lo);
}

interface Sample {
  /** Protocol failover: last advert of the old master (or its priority 0) → first advert of the new one. */
  readonly protocolMs: number;
  /** From the kill / SIGTERM to the first advert of the new master. */
  readonly fromSignalMs: number;
}

async function measure(lab: NetnsLab, impl: 'ours' | 'keepalived', sc: Scenario, runs: number): Promise<Sample[]> {
  const cap = capture(lab);
  const base: Omit<PeerOptions, 'priority'> = {
    vrid: 90,
    version: sc.version,
    advertIntervalMs: sc.advertIntervalMs,
    preempt: true,
    vips: [`${VIP}/32`],
    ...(sc.version === 2 ? { password: 'bench' } : {}),
  };
  const startPeer = (who: typeof MASTER): Peer =>
    impl === 'ours'
      ? startOurs(lab, who.node, { ...base, priority: who.priority })
      : startKeepalived(lab, who.node, { ...base, priority: who.priority });
  const timeout = 10 * sc.advertIntervalMs + 10_000;
  const onlyOn = (node: string) =>
    waitFor(
      async () => {
        const h = await holders(lab, ['a', 'b'], VIP);
        return h.length === 1 && h[0] === node;
      },
      { what: `${VIP} only on ${node}`, timeoutMs: timeout, intervalMs: 20 },
    );
  const backup = startPeer(BACKUP);
  let master = startPeer(MASTER);
  const samples: Sample[] = [];
  try {
    await onlyOn('a');
    for (let i = 0; i < runs; i++) {
      // Settle, then signal at a random phase of the advert interval.
      await new Promise((r) => setTimeout(r, 2 * sc.advertIntervalMs + Math.random() * sc.advertIntervalMs));
      const t0 = wallMs();
      if (sc.mode === 'crash') await master.crash();
      else await master.stop();
      const first = await waitFor(
        () => cap.adverts.find((a) => a.source === BACKUP.address && a.priority === BACKUP.priority && a.at > t0 - 5),
        { what: 'first advert of the new master', timeoutMs: timeout, intervalMs: 5 },
      );
      const before = cap.adverts.filter((a) => a.source === MASTER.address && a.at <= first.at);
      const last =
        sc.mode === 'crash'
          ? before.filter((a) => a.priority > 0).at(-1)
          : before.filter((a) => a.priority === 0).at(-1);
      if (!last) throw new Error('no advert of the old master captured');
      samples.push({ protocolMs: first.at - last.at, fromSignalMs: first.at - t0 });
      process.stderr.write(`  ${impl} ${sc.name} #${i + 1}: ${(first.at - last.at).toFixed(1)} ms\n`);
      master = startPeer(MASTER);
      await onlyOn('a');
      cap.adverts.splice(0, cap.adverts.length);
    }
  } finally {
    await master.crash();
    await backup.crash();
    cap.stop();
    for (const n of ['a', 'b']) await lab.exec(n, ['ip', 'addr', 'del', `${VIP}/32`, 'dev', 'eth0']);
  }
  return samples;
}

function fmt(ms: number): string {
  return (ms / 1000).toFixed(3);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '20' },
      only: { type: 'string' },
      out: { type: 'string' },
      scenario: { type: 'string' },
    },
  });
  const runs = Number(values.runs);
  const impls = (values.only ? [values.only] : ['ours', 'keepalived']) as ('ours' | 'keepalived')[];
  const lab = await NetnsLab.create('lvs-vrrp-bench-');
  const rows: string[] = [];
  try {
    await lab.addNode('a', { ipv4: `${MASTER.address}/24` });
    await lab.addNode('b', { ipv4: `${BACKUP.address}/24` });
    await lab.addNode('client', { ipv4: '10.77.9.9/24' });
    for (const sc of SCENARIOS.filter((s) => !values.scenario || s.name.includes(values.scenario))) {
      const bound =
        sc.mode === 'crash'
          ? masterDownIntervalMs(sc.version, BACKUP.priority, sc.advertIntervalMs)
          : skewTimeMs(sc.version, BACKUP.priority, sc.advertIntervalMs);
      for (const impl of impls) {
        const s = await measure(lab, impl, sc, runs);
        const p = s.map((x) => x.protocolMs);
        const g = s.map((x) => x.fromSignalMs);
        rows.push(
          `| ${sc.name} | ${impl} | ${s.length} | ${fmt(quantile(p, 0.5))} | ${fmt(quantile(p, 0.9))} | ${fmt(Math.min(...p))} | ${fmt(Math.max(...p))} | ${fmt(quantile(g, 0.5))} | ${fmt(bound)} |`,
        );
        process.stderr.write(`${rows.at(-1) ?? ''}\n`);
      }
    }
  } finally {
    await lab.destroy();
  }
  const cpu = cpus()[0]?.model ?? 'unknown';
  const ka = (await run(['keepalived', '--version'])).stderr.split('\n')[0] ?? '';
  const doc = [
    '# VRRP failover: our speaker vs keepalived',
    '',
    `Measured ${new Date().toISOString()} by \`bench/vrrp/failover.ts --runs ${runs}\`.`,
    '',
    `Machine: ${cpus().length} CPUs (nproc), ${cpu}, kernel ${release()}, Node ${process.version}, ${ka.trim()}.`,
    '',
    'Topology: namespaces `a` (master, priority 150), `b` (backup, priority 100), `client`',
    '(captures with tcpdump) on one bridge. Each run signals the master at a random phase of the',
    "advert interval, waits for the backup's first advert as master, then restarts the master and",
    'waits until it has preempted back.',
    '',
    '- *failover* (protocol): crash — last advert of the old master to the first advert of the new',
    "  one; graceful — the old master's priority 0 advert to the first advert of the new one.",
    '- *from signal*: `kill -9` (keepalived: parent and VRRP child) or SIGTERM to that first advert.',
    '- *bound*: Master_Down_Interval (crash) or Skew_Time (graceful) of the backup.',
    '',
    '| scenario | pair | runs | failover median (s) | p90 (s) | min (s) | max (s) | from signal median (s) | bound (s) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
  const out = values.out ?? 'bench/results/vrrp-failover.md';
  writeFileSync(out, doc);
  process.stdout.write(doc);
  void readFileSync;
}

await main();
