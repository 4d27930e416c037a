/**
 * The events of the failover comparison, each run the same way against either director pair.
 *
 * Client traffic, as in the measurements this comparison repeats: a new connection every 20 ms
 * that gives up after 1 s (`pace`), and 50 keep-alive connections each sending a request every
 * 100 ms (`long`, giving up after 15 s, so a connection fails only when it is reset or lost, not
 * when it waits for a takeover).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../../src/lab/netns-lab.js';
import { DR_PAIR_NODES, type Traffic, type TrafficSummary } from '../../test/e2e/guest/e2e-lab.js';
import type { Director, DirectorPair, PairOptions } from './pairs.js';
import { VIP } from './setup.js';

/** Figures of one scenario run; every field is a count or a duration in ms. */
export type Figures = Record<string, number>;

export interface Scenario {
  readonly id: string;
  /** The event, as the report's first column names it. */
  readonly event: string;
  readonly settings: PairOptions;
  run(pair: DirectorPair): Promise<Figures>;
}

const V2_1S = { version: 2, advertMs: 1000, sync: true } as const;
const KEEPALIVE_CONNECTIONS = 50;

/** Starts both kinds of client traffic. */
async function startTraffic(pair: DirectorPair): Promise<{ pace: Traffic; long: Traffic }> {
  const pace = await pair.lab.traffic('client', 'pace', VIP, 80, 1, 20, 1000);
  const long = await pair.lab.traffic('client', 'long', VIP, 80, KEEPALIVE_CONNECTIONS, 100);
  return { pace, long };
}

/**
 * The pair is ready for an event: a master with both backends at weight 1 and, with connection
 * sync, every keep-alive connection known to the backup.
 */
async function steady(pair: DirectorPair, master: Director): Promise<void> {
  await waitFor(async () => (await pair.weight(master, 'web1')) === 1 && (await pair.weight(master, 'web2')) === 1, {
    what: 'both backends at weight 1',
    timeoutMs: 30_000,
    intervalMs: 200,
  });
  if (pair.opts.sync) {
    const backup = pair.other(master);
    await waitFor(async () => (await pair.established(backup)) >= KEEPALIVE_CONNECTIONS, {
      what: `the ${KEEPALIVE_CONNECTIONS} keep-alive connections synced to ${backup}`,
      timeoutMs: 30_000,
      intervalMs: 250,
    });
  }
}

/** ms until `node` holds the VIP, polled every 20 ms. */
async function takeover(pair: DirectorPair, node: Director, since: number): Promise<number> {
  await waitFor(async () => (await pair.lab.holders([node], VIP)).length === 1, {
    what: `${node} holds the VIP`,
    timeoutMs: 20_000,
    intervalMs: 20,
  });
  return Math.round(performance.now() - since);
}

function trafficFigures(pace: TrafficSummary, long: TrafficSummary): Figures {
  return {
    requests: pace.ok + pace.failed,
    failed: pace.failed,
    outageMs: pace.maxGapMs,
    slowestMs: pace.maxLatencyMs ?? 0,
    // A connection that breaks is reset once and replaced once: count it once.
    keepAliveReset: Math.max(long.resets, long.socketsReplaced),
    keepAliveFailed: long.failed,
    stallMs: long.maxLatencyMs ?? 0,
  };
}

/**
 * The master goes away by `act` while traffic runs; the backup takes over, timed from the
 * moment `act` starts (after `before`, which picks that moment).
 */
function handover(
  id: string,
  event: string,
  settings: PairOptions,
  act: (pair: DirectorPair, master: Director) => Promise<void>,
  before?: (pair: DirectorPair, master: Director) => Promise<void>,
): Scenario {
  return {
    id,
    event,
    settings,
    async run(pair) {
      const master = await pair.master();
      const { pace, long } = await startTraffic(pair);
      await steady(pair, master);
      await sleep(2000);
      await before?.(pair, master);
      const t0 = performance.now();
      const acted = act(pair, master);
      const takeoverMs = await takeover(pair, pair.other(master), t0);
      await acted;
      // Requests that started during the outage end (1 s timeout) before the count.
      await sleep(5000);
      return { ...trafficFigures(await pace.stop(), await long.stop()), takeoverMs };
    },
  };
}

/**
 * Resolves when the client sees the master's next advert. A crash right after it lands at the
 * same phase of the advert interval for both implementations, and at the worst one: the backup
 * then waits the whole Master_Down_Interval. At a random phase the outage varies by up to one
 * interval from run to run, which would swamp the difference being measured.
 */
async function nextAdvert(pair: DirectorPair, master: Director): Promise<void> {
  const source = (DR_PAIR_NODES[master] ?? '').split('/')[0] ?? '';
  const capture = pair.lab.lab.spawn('client', [
    'tcpdump',
    '-i',
    'eth0',
    '-nn',
    '-l',
    '-c',
    '1',
    `vrrp and src host ${source}`,
  ]);
  const seen = new Promise((done) => capture.once('exit', done));
  await Promise.race([seen, sleep(10_000)]);
}

/** The master dies right after an advert: every process killed and its link down. */
const crash = (id: string, event: string, settings: PairOptions): Scenario =>
  handover(
    id,
    event,
    settings,
    (pair, master) => pair.crashDirector(master),
    (pair, master) => nextAdvert(pair, master),
  );

/** The master's software is stopped with SIGTERM, as a service manager or kubelet stops it. */
const graceful = handover('graceful', 'master stopped gracefully (SIGTERM)', V2_1S, (pair, master) =>
  pair.stopDirector(master),
);

/** Both directors restarted one after the other (SIGTERM, start), master first. */
const rolling: Scenario = {
  id: 'rolling-restart',
  event: 'rolling restart of both directors (SIGTERM, start; master first)',
  settings: V2_1S,
  async run(pair) {
    const first = await pair.master();
    const { pace, long } = await startTraffic(pair);
    await steady(pair, first);
    await sleep(2000);
    for (const node of [first, pair.other(first)]) {
      await pair.stopDirector(node);
      await pair.master();
      await pair.startDirector(node);
      // The restarted director is a backup with every connection synced before the next one goes.
      await waitFor(async () => (await pair.established(node)) >= KEEPALIVE_CONNECTIONS, {
        what: `connections synced to the restarted ${node}`,
        timeoutMs: 30_000,
        intervalMs: 250,
      });
      await sleep(2000);
    }
    await sleep(3000);
    return trafficFigures(await pace.stop(), await long.stop());
  },
};

/**
 * web2's health page goes away: how long until it is at weight 0, then how many of 50 new
 * connections still land on it. The client's local port range is narrowed to 100 ports, so
 * new connections reuse ports whose earlier connections the director still remembers (IPVS
 * keeps a DR connection's entry for 2 min after its FIN): what decides is whether a reused
 * port follows its old entry to the inhibited server. 10 keep-alive connections run across it.
 */
const healthFail: Scenario = {
  id: 'health-fail',
  event: 'a real server fails its health check (inhibit_on_failure, delay_loop 1)',
  settings: V2_1S,
  async run(pair) {
    const lab = pair.lab;
    await lab.exec1('client', ['sysctl', '-qw', 'net.ipv4.ip_local_port_range=40000 40099']);
    const master = await pair.master();
    await waitFor(async () => (await pair.weight(master, 'web2')) === 1, { what: 'web2 at weight 1', intervalMs: 200 });
    const long = await lab.traffic('client', 'long', VIP, 80, 10, 100);
    const pace = await lab.traffic('client', 'pace', VIP, 80, 1, 20, 1000);
    // Every port of the range used at least once, half of them through web2.
    await sleep(5000);
    const docroot = join(lab.lab.dir, 'www-web2');
    const t0 = performance.now();
    renameSync(join(docroot, 'health_check.html'), join(docroot, 'health_check.html.off'));
    await waitFor(async () => (await pair.weight(master, 'web2')) === 0, {
      what: 'web2 at weight 0',
      timeoutMs: 30_000,
      intervalMs: 50,
    });
    const weightZeroMs = Math.round(performance.now() - t0);
    await pace.stop();
    const burst = await lab.burst('client', VIP, 80, 50);
    await sleep(1000);
    const l = await long.stop();
    return {
      weightZeroMs,
      newConnections: burst.ok + burst.failed,
      landedOnInhibited: burst.counts['web2'] ?? 0,
      newFailed: burst.failed,
      keepAliveFailed: l.failed,
      keepAliveReset: Math.max(l.resets, l.socketsReplaced),
    };
  },
};

/**
 * web2 never accepts the VIP (keepalived: nothing configured on it; ours: no realserver agent
 * on it). Traffic for 15 s from the moment the master serves.
 */
const noVip: Scenario = {
  id: 'no-vip',
  event: 'a DR real server that never got the VIP on lo (nor REDIRECT)',
  settings: { ...V2_1S, withoutVip: ['web2'] },
  async run(pair) {
    const master = await pair.master();
    const t0 = performance.now();
    const pace = await pair.lab.traffic('client', 'pace', VIP, 80, 1, 20, 1000);
    let outMs: number | undefined;
    while (performance.now() - t0 < 15_000) {
      const w = await pair.weight(master, 'web2');
      if (outMs === undefined && (w === undefined || w === 0)) outMs = Math.round(performance.now() - t0);
      await sleep(100);
    }
    const s = await pace.stop();
    const finalWeight = (await pair.weight(master, 'web2')) ?? 0;
    return {
      requests: s.ok + s.failed,
      failed: s.failed,
      web2Weight: finalWeight,
      ...(outMs !== undefined ? { outMs } : {}),
    };
  },
};

export const SCENARIOS: readonly Scenario[] = [
  crash('crash', 'master crashes (processes killed and its eth0 down), VRRPv2 1 s adverts', V2_1S),
  crash('crash-v3-100ms', 'master crashes, VRRPv3 100 ms adverts', { version: 3, advertMs: 100, sync: true }),
  crash('crash-no-sync', 'master crashes, no connection sync', { ...V2_1S, sync: false }),
  graceful,
  rolling,
  healthFail,
  noVip,
];
