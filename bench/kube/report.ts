/**
 * Formats bench/kube/apply-latency.ts's result.json as the Markdown of bench/results.
 *
 * Usage: tsx bench/kube/report.ts <result.json> --started ISO --machine TEXT --load TEXT
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Sample {
  applied: number;
  watched: number;
  passStart: number;
  passEnd: number;
  kernel: number;
}

interface Result {
  applies: number;
  cases: { name: string; present: number; dumpMs: number; samples: Sample[] }[];
  directorWarnings: string;
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { started: { type: 'string' }, machine: { type: 'string' }, load: { type: 'string' } },
});
const result = JSON.parse(readFileSync(positionals[0] ?? 'result.json', 'utf8')) as Result;

/** Nearest-rank percentile over the finite values. */
function pct(values: readonly number[], p: number): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

const ms = (v: number) => (Number.isFinite(v) ? `${Math.round(v)}` : 'n/a');
const row = (name: string, values: readonly number[]) =>
  `| ${name} | ${ms(pct(values, 50))} | ${ms(pct(values, 99))} | ${ms(Math.max(...values.filter(Number.isFinite)))} |`;

const lines = [
  `# VirtualServer apply to IPVS: latency`,
  '',
  `Measured ${values.started ?? ''} by \`bench/kube/run.sh\`: ${result.applies} applies per case, one at a time.`,
  '',
  `Machine: ${values.machine ?? ''}.`,
  '',
  `Load average of the host: ${values.load ?? ''}.`,
  '',
  'Inside the guest: etcd and kube-apiserver v1.34.4, the controller, and `lvs-operator director`',
  'as a process (programOn: Always, NAT, one real server per service). Each sample starts when the',
  'server-side apply is sent and ends when the service shows in /proc/net/ip_vs (polled every',
  "2 ms); the next apply waits 300 ms for the previous one's follow-up writes (finalizer, status).",
  '',
];
for (const c of result.cases) {
  const s = c.samples;
  lines.push(
    `## ${c.name} (${c.present} VirtualServers before the first measured apply)`,
    '',
    "| from the apply's start to | p50 ms | p99 ms | max ms |",
    '| --- | --- | --- | --- |',
    row(
      "the apply's response",
      s.map((x) => x.applied),
    ),
    row(
      "the director's informer receiving it",
      s.map((x) => x.watched),
    ),
    row(
      'the start of the IPVS write that added it',
      s.map((x) => x.passStart),
    ),
    row(
      'the end of that write (ownership record included)',
      s.map((x) => x.passEnd),
    ),
    row(
      '**the service in the IPVS table**',
      s.map((x) => x.kernel),
    ),
    '',
    '| part | p50 ms | p99 ms |',
    '| --- | --- | --- |',
    `| apply and watch delivery (apply start → the director's informer) | ${ms(
      pct(
        s.map((x) => x.watched),
        50,
      ),
    )} | ${ms(
      pct(
        s.map((x) => x.watched),
        99,
      ),
    )} |`,
    `| director before the IPVS write (snapshot, plan of the changed objects, VRRP and health set-up, table diff) | ${ms(
      pct(
        s.map((x) => x.passStart - x.watched),
        50,
      ),
    )} | ${ms(
      pct(
        s.map((x) => x.passStart - x.watched),
        99,
      ),
    )} |`,
    `| IPVS write (plan of the changed services on the cached table, netlink write, ownership record) | ${ms(
      pct(
        s.map((x) => x.passEnd - x.passStart),
        50,
      ),
    )} | ${ms(
      pct(
        s.map((x) => x.passEnd - x.passStart),
        99,
      ),
    )} |`,
    '',
    `A table dump alone (median of 5, no counters) took ${c.dumpMs.toFixed(1)} ms at this size.`,
    '',
  );
}
if (result.directorWarnings.trim() !== '') {
  lines.push('Director warnings and errors during the run (last 20):', '', '```', result.directorWarnings, '```', '');
}
process.stdout.write(lines.join('\n'));
