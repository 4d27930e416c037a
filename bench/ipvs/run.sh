#!/usr/bin/env bash
# IPVS benchmark: boots the kernel harness and runs bench/ipvs/ipvs-bench.ts inside it, so that
# ours and ipvsadm's figures come from the same kernel in the same run. Prints the JSON result
# and, with --record, writes bench/results/ipvs-<date>-<time>.md with the machine it ran on.
#   bench/ipvs/run.sh [--record]      (LVS_BENCH_SERVICES / LVS_BENCH_DESTS change the size)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=hack/node-env.sh
source "$root/hack/node-env.sh"
cd "$root"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# The bench itself runs in a namespace of its own (see ipvs-bench.ts for why).
hack/uml/run.sh --mem 2048M --modules "ip_vs_wlc" --timeout 1800 -- \
  sh -c 'ip netns add lvs-ipvs-bench-ours && ip -n lvs-ipvs-bench-ours link set lo up && exec ip netns exec lvs-ipvs-bench-ours npx tsx bench/ipvs/ipvs-bench.ts' >"$out"
cat "$out"
if [ "${1:-}" = "--record" ]; then
  stamp=$(date -u +%Y-%m-%d-%H%M)
  file="bench/results/ipvs-$stamp.md"
  node - "$out" "$file" <<'JS'
const fs = require('node:fs');
const os = require('node:os');
const { execSync } = require('node:child_process');
const [, , input, file] = process.argv;
const r = JSON.parse(fs.readFileSync(input, 'utf8').trim().split('\n').pop());
const cpu = os.cpus()[0]?.model ?? 'unknown';
const line = (k, v) => `| ${k} | ${v} |`;
const text = [
  `# IPVS benchmark, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
  '',
  'Produced by `bench/ipvs/run.sh --record`: everything ran in one user-mode-linux kernel',
  '(`hack/uml/run.sh --mem 2048M`), ours and ipvsadm one after the other on the same table, each',
  'in a network namespace (an IPVS table) of its own. The load average of the machine during the',
  `run is given below: it is shared, and figures move by a factor of 2 between runs.`,
  '',
  '## Machine',
  '',
  line('what', 'value'),
  '| --- | --- |',
  line('nproc', execSync('nproc').toString().trim()),
  line('CPU', cpu),
  line('host kernel', os.release()),
  line('guest kernel', 'Linux 6.1.176 (Debian user-mode-linux)'),
  line('Node', process.version),
  line('load average at the end (1, 5, 15 min)', os.loadavg().map((x) => x.toFixed(2)).join(', ')),
  '',
  `## ${r.services} services x ${r.destinationsPerService} destinations (${r.operations} operations)`,
  '',
  '| measurement | ours | ipvsadm |',
  '| --- | --- | --- |',
  `| full load, wall | ${r.fullSyncMs} ms (reconciler pass: dump, plan, apply) | ${r.ipvsadmRestoreMs} ms (\`ipvsadm -R\`) |`,
  `| full load, operations per second | ${r.fullSyncOpsPerSec} | ${r.ipvsadmRestoreOpsPerSec} |`,
  `| speed-up of the full load | ${r.speedupVsIpvsadmRestore}x | 1x |`,
  `| one change (weight), median / p95 / max of 50 | ${r.oneChangeMedianMs} / ${r.oneChangeP95Ms} / ${r.oneChangeMaxMs} ms | |`,
  `| for scale: one GET_INFO round trip, median / p95 of 50 | ${r.getInfoMedianMs} / ${r.getInfoP95Ms} ms | |`,
  `| no-op full resync (dump + plan, ${r.noopResyncWrites} writes), best of 3 warm (first, cold) | ${r.noopResyncMs} ms (${r.noopResyncFirstMs} ms) | ${r.ipvsadmListMs} ms (\`ipvsadm -Ln\`) |`,
  `| dump of the whole table | ${r.dumpMs} ms (${r.dumpedServices} services) | |`,
  `| memory after the full sync | RSS ${r.rssAfterFullSyncMiB} MiB (${r.rssBeforeMiB} before), heap ${r.heapUsedAfterFullSyncMiB} MiB | |`,
  '',
  `\`ipvsadm -Ln\` listed ${r.ipvsadmListedLines} lines for ipvsadm's load and ${r.listedLinesAfterOurSync} for ours.`,
  '',
].join('\n');
fs.writeFileSync(file, text);
console.error(`wrote ${file}`);
JS
fi
