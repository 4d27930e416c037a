/**
 * The end-to-end soak, run inside the kernel harness by bench/e2e/run.sh: the DR pair of
 * seed 001 with connection sync, traffic from the client for LVS_SOAK_MINUTES (default 10),
 * and every LVS_SOAK_EVERY_S (default 30) the current master crashes (agent SIGKILLed, node
 * off the segment); once the backup has taken over, the crashed node comes back and its
 * agent restarts as backup (nopreempt). Writes summary.json and summary.md to LVS_SOAK_OUT.
 *
 * Traffic: 4 loops of requests on new connections and 20 keep-alive connections with a
 * request every 100 ms; a request gives up after 10 s, so only a request that the crash
 * itself loses fails, not one that merely waits for the takeover.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../../src/lab/netns-lab.js';
import {
  DR_PAIR_NODES,
  DR_PAIR_VIP as VIP,
  drPairGroup,
  drPairService,
  E2eLab,
  manifest,
  type TrafficSummary,
} from '../../test/e2e/guest/e2e-lab.js';

const minutes = Number(process.env['LVS_SOAK_MINUTES'] ?? '10');
const everyS = Number(process.env['LVS_SOAK_EVERY_S'] ?? '30');
const out = process.env['LVS_SOAK_OUT'] ?? '/tmp';
const DIRECTORS = ['dir1', 'dir2'] as const;

const group = drPairGroup({
  virtualRouterId: 200,
  version: 2,
  priority: 101,
  advertInterval: '1s',
  connectionSync: { enabled: true },
});
const service = drPairService({
  realServers: ['10.0.0.5', '10.0.0.6'].map((address) => ({
    address,
    port: 80,
    acceptVIP: { mode: 'Loopback', device: 'lo' },
  })),
});

interface Failover {
  atS: number;
  from: string;
  to: string;
  takeoverMs: number;
}

async function main(): Promise<void> {
  const lab = await E2eLab.create('lvs-soak-', DR_PAIR_NODES);
  const failovers: Failover[] = [];
  let load: TrafficSummary | undefined;
  let long: TrafficSummary | undefined;
  try {
    lab.writeManifest('web.yaml', manifest(group, service));
    await lab.startDrPair();
    await lab.waitForMaster(DIRECTORS, VIP, 30_000);
    const loadTraffic = await lab.traffic('client', 'load', VIP, 80, 4, 100, 10_000);
    const longTraffic = await lab.traffic('client', 'long', VIP, 80, 20, 100, 15_000);
    const started = performance.now();
    const endAt = started + minutes * 60_000;
    let next = started + everyS * 1000;
    while (next < endAt) {
      await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
      const master = await lab.waitForMaster(DIRECTORS, VIP);
      const backup = DIRECTORS.find((d) => d !== master) ?? 'dir2';
      const t0 = performance.now();
      await lab.crash(master);
      await waitFor(async () => (await lab.holders([backup], VIP)).length === 1, {
        what: `${backup} takes over`,
        timeoutMs: 20_000,
        intervalMs: 50,
      });
      const takeoverMs = Math.round(performance.now() - t0);
      failovers.push({ atS: Math.round((t0 - started) / 1000), from: master, to: backup, takeoverMs });
      process.stdout.write(`failover ${failovers.length}: ${master} -> ${backup} in ${takeoverMs} ms\n`);
      await lab.revive(master);
      await lab.startAgent(master, 'director');
      await waitFor(async () => (await lab.holders(DIRECTORS, VIP)).join() === backup, {
        what: `${master} back as backup without the stale VIP`,
        timeoutMs: 20_000,
      });
      next += everyS * 1000;
    }
    await new Promise((r) => setTimeout(r, Math.max(0, endAt - performance.now())));
    [load, long] = await Promise.all([loadTraffic.stop(), longTraffic.stop()]);
  } finally {
    await lab.destroy();
  }
  const summary = { minutes, everyS, failovers, load, long };
  writeFileSync(join(out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  const takeovers = failovers.map((f) => f.takeoverMs).sort((a, b) => a - b);
  const pct = (p: number) => takeovers[Math.min(takeovers.length - 1, Math.floor(p * takeovers.length))] ?? 0;
  const lines = [
    `| traffic | requests ok | failed | resets | sockets replaced | longest gap (ms) |`,
    `| --- | --- | --- | --- | --- | --- |`,
    ...(
      [
        ['4 loops, new connection per request', load],
        ['20 keep-alive connections, a request every 100 ms', long],
      ] as const
    ).map(
      ([name, s]) =>
        `| ${name} | ${s?.ok ?? 0} | ${s?.failed ?? 0} | ${s?.resets ?? 0} | ${s?.socketsReplaced ?? 0} | ${s?.maxGapMs ?? 0} |`,
    ),
    '',
    `Failovers: ${failovers.length}; takeover (crash to VIP on the backup, polled every 50 ms): median ${pct(0.5)} ms, p90 ${pct(0.9)} ms, max ${takeovers.at(-1) ?? 0} ms.`,
    '',
    `Failures (ms since the traffic started, error): ${JSON.stringify([...(load?.failures ?? []), ...(long?.failures ?? [])])}`,
    '',
  ];
  writeFileSync(join(out, 'summary.md'), lines.join('\n'));
  process.stdout.write(lines.join('\n'));
}

await main();
