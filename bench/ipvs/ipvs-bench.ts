/**
 * IPVS benchmark, run inside the kernel harness (bench/ipvs/run.sh): the reconciler's full
 * sync of N services x M destinations, one change, and a no-op resync, against `ipvsadm -R`
 * loading the same table and `ipvsadm -Ln` reading it, in the same kernel and the same run.
 * Each side gets a network namespace of its own, hence an IPVS table of its own: a deleted
 * destination stays on the kernel's per-namespace trash list for minutes, and every add scans
 * that list (ip_vs_trash_get_dest), so a table loaded after a flush of 100,000 destinations
 * in the same namespace is many times slower to load. Prints one JSON object on stdout.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { formatRules } from '../../src/ipvs/format.js';
import { createNetlinkClient } from '../../src/ipvs/netlink-client.js';
import { MemoryOwnershipStore } from '../../src/ipvs/ownership.js';
import { IpvsReconciler } from '../../src/ipvs/reconciler.js';
import { idleObserved, type DesiredService } from '../../src/ipvs/types.js';

const SERVICES = Number(process.env['LVS_BENCH_SERVICES'] ?? 10_000);
const DESTS = Number(process.env['LVS_BENCH_DESTS'] ?? 10);
const CHANGES = 50;

function table(): DesiredService[] {
  const out: DesiredService[] = [];
  for (let i = 0; i < SERVICES; i++) {
    const vip = `10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
    out.push({
      key: { kind: 'addr', af: 'inet', protocol: 'tcp', address: vip, port: 80 },
      scheduler: 'wlc',
      flags: 0,
      timeoutMs: 0,
      netmask: 0xffffffff,
      peName: '',
      destinations: Array.from({ length: DESTS }, (_, j) => ({
        key: { af: 'inet' as const, address: `172.16.${j}.${1 + (i % 250)}`, port: 8080 },
        forwarding: 'masq' as const,
        weight: 1,
        upperThreshold: 0,
        lowerThreshold: 0,
        tunnelType: 'ipip' as const,
        tunnelPort: 0,
        tunnelFlags: 0,
      })),
    });
  }
  return out;
}

const ms = (t0: number): number => Math.round((performance.now() - t0) * 10) / 10;
const mib = (n: number): number => Math.round((n / 1048576) * 10) / 10;
const run = (cmd: string, args: string[], input?: string): string =>
  execFileSync(cmd, args, {
    encoding: 'utf8',
    input: input ?? '',
    maxBuffer: 1 << 30,
    stdio: ['pipe', 'pipe', 'inherit'],
  });

async function main(): Promise<void> {
  const desired = table();
  const ops = SERVICES * (1 + DESTS);
  const rules = formatRules(desired.map(idleObserved), true);
  writeFileSync('/tmp/lvs-ipvs-bench.rules', rules);

  // Reference: ipvsadm -R, then ipvsadm -Ln, on the same table, in a namespace of its own.
  const ref = 'lvs-ipvs-bench-ref';
  run('ip', ['netns', 'add', ref]);
  // IPVS accepts only unicast destinations (inet_addr_type); a namespace has no local routing
  // table, hence no answer to that, until an address is up.
  run('ip', ['-n', ref, 'link', 'set', 'lo', 'up']);
  let t0 = performance.now();
  run('ip', ['netns', 'exec', ref, 'sh', '-c', 'ipvsadm -R < /tmp/lvs-ipvs-bench.rules']);
  const ipvsadmRestoreMs = ms(t0);
  t0 = performance.now();
  const listed = run('ip', ['netns', 'exec', ref, 'sh', '-c', 'ipvsadm -Ln | wc -l']);
  const ipvsadmListMs = ms(t0);
  run('ip', ['netns', 'del', ref]);

  // Ours: a full sync into an empty table.
  const client = await createNetlinkClient({ log: silentLogger() });
  const reconciler = new IpvsReconciler({
    client,
    log: silentLogger(),
    clock: systemClock,
    ownership: new MemoryOwnershipStore(),
    drain: { drainMs: 0, deleteWhenIdle: true, udpImmediate: true },
  });
  const rssBefore = process.memoryUsage().rss;
  t0 = performance.now();
  const full = await reconciler.setDesired(desired);
  const fullSyncMs = ms(t0);
  const memory = process.memoryUsage();
  if (full.failed.length > 0) throw new Error(`${full.failed.length} ops failed`);

  // One change at a time: a weight, through the fast path (no dump).
  const changeMs: number[] = [];
  for (let k = 0; k < CHANGES; k++) {
    const s = desired[(k * 197) % SERVICES] as DesiredService;
    const changed = { ...s, destinations: s.destinations.map((d, j) => (j === 0 ? { ...d, weight: 2 + k } : d)) };
    t0 = performance.now();
    const r = await reconciler.update([changed]);
    changeMs.push(performance.now() - t0);
    if (r.results.length !== 1 || r.failed.length !== 0) throw new Error('one change did not give one op');
  }
  changeMs.sort((a, b) => a - b);

  // The floor under one change: a bare GET_INFO round trip, measured the same way.
  const floorMs: number[] = [];
  for (let k = 0; k < CHANGES; k++) {
    t0 = performance.now();
    await client.info();
    floorMs.push(performance.now() - t0);
  }
  floorMs.sort((a, b) => a - b);

  // A full resync with nothing to change: one dump, a plan, no writes. The first one pays for
  // V8 compiling the dump path (slow under user-mode-linux, where mprotect is a costly
  // syscall); a resync every 30 s runs warm, so the best of three is reported too.
  const noopRuns: number[] = [];
  t0 = performance.now();
  let noop = await reconciler.sync();
  const noopFirstMs = ms(t0);
  for (let k = 0; k < 3; k++) {
    t0 = performance.now();
    noop = await reconciler.sync();
    noopRuns.push(ms(t0));
    if (noop.results.length !== 0) throw new Error('no-op resync wrote');
  }
  const noopResyncMs = Math.min(...noopRuns);
  t0 = performance.now();
  const dumped = await client.dump();
  const dumpMs = ms(t0);
  client.close();
  const ourList = run('sh', ['-c', 'ipvsadm -Ln | wc -l']);

  process.stdout.write(
    JSON.stringify({
      services: SERVICES,
      destinationsPerService: DESTS,
      operations: ops,
      ipvsadmRestoreMs,
      ipvsadmRestoreOpsPerSec: Math.round(ops / (ipvsadmRestoreMs / 1000)),
      ipvsadmListMs,
      ipvsadmListedLines: Number(listed.trim()),
      fullSyncMs,
      fullSyncOps: full.results.length,
      fullSyncOpsPerSec: Math.round(full.results.length / (fullSyncMs / 1000)),
      speedupVsIpvsadmRestore: Math.round((ipvsadmRestoreMs / fullSyncMs) * 10) / 10,
      oneChangeMedianMs: Math.round((changeMs[Math.floor(CHANGES / 2)] ?? 0) * 100) / 100,
      oneChangeP95Ms: Math.round((changeMs[Math.floor(CHANGES * 0.95)] ?? 0) * 100) / 100,
      oneChangeMaxMs: Math.round((changeMs[CHANGES - 1] ?? 0) * 100) / 100,
      getInfoMedianMs: Math.round((floorMs[Math.floor(CHANGES / 2)] ?? 0) * 100) / 100,
      getInfoP95Ms: Math.round((floorMs[Math.floor(CHANGES * 0.95)] ?? 0) * 100) / 100,
      noopResyncMs,
      noopResyncFirstMs: noopFirstMs,
      noopResyncRunsMs: noopRuns,
      noopResyncWrites: noop.results.length,
      dumpMs,
      dumpedServices: dumped.length,
      listedLinesAfterOurSync: Number(ourList.trim()),
      rssBeforeMiB: mib(rssBefore),
      rssAfterFullSyncMiB: mib(memory.rss),
      heapUsedAfterFullSyncMiB: mib(memory.heapUsed),
    }) + '\n',
  );
}

await main();
