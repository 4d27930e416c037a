/**
 * What short VRRP adverts cost: CPU of a master/backup pair carrying N instances at 1 s and at
 * 100 ms adverts, and takeovers nobody asked for when the machine is saturated, for our speaker
 * and keepalived 2.2.7 in the same run. See bench/vrrp/README.md.
 *
 *   sudo -E node --import tsx bench/vrrp/advert-cost.ts [--instances 20] [--seconds 30] [--out FILE]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import { parseArgs } from 'node:util';
import { NetnsLab, run, waitFor } from '../../test/support/netns.js';
import { holders, startKeepalived, startOurs, type Peer, type PeerOptions } from '../../test/netns/vrrp-peers.js';

const { values: args } = parseArgs({
  options: {
    instances: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '30' },
    out: { type: 'string', default: 'bench/results/vrrp-advert-cost.md' },
  },
});
const N = Number(args.instances);
const SECONDS = Number(args.seconds);
const TICKS = 100; // USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s

interface Row {
  impl: Peer['kind'];
  advertMs: number;
  load: 'idle' | 'saturated';
  masterCpu: number;
  backupCpu: number;
  takeovers: number;
}

/** utime + stime of every process in a namespace, in seconds. */
async function namespaceCpu(lab: NetnsLab, node: string): Promise<number> {
  const pids = (await run(['ip', 'netns', 'pids', lab.node(node).netns])).stdout.split(/\s+/).filter(Boolean);
  let ticks = 0;
  for (const pid of pids) {
    try {
      // Fields after the command name (which may contain spaces): utime is the 12th, stime the 13th.
      const rest = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      ticks += Number(rest[11]) + Number(rest[12]);
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return ticks / TICKS;
}

/** Busy loops, one more than the CPUs, so that the peers only get a share of the machine. */
function saturate(): ChildProcess[] {
  return Array.from({ length: cpus().length + 1 }, () =>
    spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }),
  );
}

const options = (priority: number, advertMs: number): PeerOptions[] =>
  Array.from({ length: N }, (_, i) => ({
    vrid: i + 1,
    version: 3,
    priority,
    advertIntervalMs: advertMs,
    preempt: true,
    vips: [`10.77.10.${i + 1}/32`],
  }));

/** The backup's transitions to master in its log since `from`. */
function takeoversIn(peer: Peer, from: number): number {
  const lines = peer.log.slice(from);
  const re = peer.kind === 'ours' ? /"to":"master"/ : /Entering MASTER STATE/;
  return lines.filter((l) => re.test(l)).length;
}

async function measure(lab: NetnsLab, impl: Peer['kind'], advertMs: number, load: Row['load']): Promise<Row> {
  const start = impl === 'ours' ? startOurs : startKeepalived;
  const master = start(lab, 'a', options(150, advertMs));
  const backup = start(lab, 'b', options(100, advertMs));
  const hogs: ChildProcess[] = [];
  try {
    await waitFor(async () => (await holders(lab, ['a', 'b'], `10.77.10.${N}`)).join() === 'a', {
      what: `a masters all ${N} instances`,
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    // Let start-up settle before the window opens.
    await new Promise((r) => setTimeout(r, 2000));
    if (load === 'saturated') hogs.push(...saturate());
    const logFrom = backup.log.length;
    const [m0, b0] = [await namespaceCpu(lab, 'a'), await namespaceCpu(lab, 'b')];
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    const [m1, b1] = [await namespaceCpu(lab, 'a'), await namespaceCpu(lab, 'b')];
    return {
      impl,
      advertMs,
      load,
      masterCpu: (m1 - m0) / SECONDS,
      backupCpu: (b1 - b0) / SECONDS,
      takeovers: takeoversIn(backup, logFrom),
    };
  } finally {
    for (const h of hogs) h.kill('SIGKILL');
    await Promise.all([master.stop(), backup.stop()]);
  }
}

const lab = await NetnsLab.create('lvs-vcost-');
const rows: Row[] = [];
try {
  await lab.addNode('a', { ipv4: '10.77.9.1/24' });
  await lab.addNode('b', { ipv4: '10.77.9.2/24' });
  for (const load of ['idle', 'saturated'] as const) {
    for (const advertMs of [1000, 100]) {
      for (const impl of ['ours', 'keepalived'] as const) {
        const row = await measure(lab, impl, advertMs, load);
        rows.push(row);
        process.stdout.write(`${JSON.stringify(row)}\n`);
      }
    }
  }
} finally {
  await lab.destroy();
}

const pct = (cores: number): string => `${(cores * 100).toFixed(2)} %`;
const table = [
  '| speaker | adverts | machine | master CPU | backup CPU | takeovers by the backup |',
  '| --- | --- | --- | --- | --- | --- |',
  ...rows.map(
    (r) => `| ${r.impl} | ${r.advertMs} ms | ${r.load} | ${pct(r.masterCpu)} | ${pct(r.backupCpu)} | ${r.takeovers} |`,
  ),
];
const report = `# VRRP: the cost of short adverts

Measured ${new Date().toISOString()} by \`bench/vrrp/advert-cost.ts --instances ${N} --seconds ${SECONDS}\`.

Machine: ${cpus().length} CPUs (nproc), ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, kernel ${release()}, Node ${process.version}, load average at the end ${loadavg()
  .map((l) => l.toFixed(2))
  .join(' ')}.

A master (priority 150) and a backup (100) in two namespaces on one bridge, ${N} VRRPv3
instances each (one process per side), preempt on. Each window is ${SECONDS} s. CPU is the
processes' user + system time over the window, in % of one core. "saturated": ${cpus().length + 1}
busy loops run beside the pair for the whole window, so the speakers get only a share of the
CPUs; "takeovers by the backup" counts its transitions to master in that window (each one
would move the VIPs away from a healthy master and back).

${table.join('\n')}
`;
writeFileSync(args.out, report);
process.stdout.write(`wrote ${args.out}\n`);
