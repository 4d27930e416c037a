/**
 * The scenario: build seed 000, start the agents, steady traffic, kill the master director,
 * drain web1 by renaming its health page, bring it back. Each phase has a heading, waits for
 * an observable outcome with a deadline, and logs its result with timings.
 */
import { masterOf, healthOf, weightOf, windowOf, type DemoState } from './state.js';
import type { Timeline } from './timeline.js';
import { HOSTS, VIP } from './topology.js';
import type { DemoWorld } from './world.js';

const BACKENDS = HOSTS.filter((h) => h.role === 'backend');
const DRAINED = BACKENDS[0] ?? { name: 'web1', address: '192.168.5.111' };

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Answers per backend in the current window. */
function recentAnswers(s: DemoState): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of windowOf(s.traffic, s.nowMs)) if (r.backend) m.set(r.backend, (m.get(r.backend) ?? 0) + 1);
  return m;
}

/** True once every backend answered at least once in the current window. */
const allAnswer = (s: DemoState) => BACKENDS.every((b) => (recentAnswers(s).get(b.name) ?? 0) > 0);

/** What the run measured, for the summary. */
export interface DemoSummary {
  firstMaster: string;
  electionMs: number;
  takeoverMs: number;
  serviceBackMs: number;
  failedDuringTakeover: number;
  drainMs: number;
  restoreMs: number;
  /** The master at the end, and its table as `lvsctl ipvs list -n --stats` prints it there. */
  master: string;
  listing: string;
}

type Master = { readonly name: string };

async function buildAndStart(world: DemoWorld, t: Timeline): Promise<{ master: Master; electionMs: number }> {
  world.phase('1/6 Build seed 000 in network namespaces');
  await world.build();
  for (const h of HOSTS) world.event(`${h.name.padEnd(6)} ${h.role.padEnd(8)} ${h.address}/${h.prefixLength}`);
  world.result(`VIP ${VIP}; one L2 segment (DR), on-link routes between subnets`);

  world.phase('2/6 Start agents (lvs-operator standalone), web servers, probes');
  const startAt = world.now();
  world.startProcesses();
  const master = await world.until(
    (s) =>
      BACKENDS.every((b) => weightOf(s.directors, b.address) === 1 && healthOf(s.directors, b.address) !== false) &&
      BACKENDS.every((b) => s.backends.some((x) => x.name === b.name && x.acceptsVip)) &&
      masterOf(s.directors),
    'a VRRP master with both real servers healthy in its IPVS table, and REDIRECT on both',
    t.startDeadlineMs,
  );
  const electionMs = world.now() - startAt;
  world.result(`${master.name} is VRRP MASTER, both real servers healthy in IPVS (${seconds(electionMs)})`);
  return { master, electionMs };
}

async function steadyTraffic(world: DemoWorld, t: Timeline): Promise<void> {
  world.phase(`3/6 Steady traffic: ${t.rate} requests/s to http://${VIP}/`);
  world.startClient();
  await world.until(allAnswer, 'answers from both backends', t.stepDeadlineMs);
  await world.hold(t.steadyMs);
  const answered = world.state.traffic.answered;
  world.result(
    `requests answered by both backends: ${BACKENDS.map((b) => `${b.name} ${answered[b.name] ?? 0}`).join(', ')}; failed ${world.state.traffic.failed}`,
  );
}

async function killMaster(
  world: DemoWorld,
  t: Timeline,
  master: Master,
): Promise<{ next: Master; takeoverMs: number; serviceBackMs: number; failedDuringTakeover: number }> {
  world.phase(`4/6 Kill the master ${master.name}: kill -9 of its agent, link cut`);
  const failedBefore = world.state.traffic.failed;
  const killAt = world.now();
  await world.killDirector(master.name);
  const next = await world.until((s) => masterOf(s.directors), 'the other director to take over', t.stepDeadlineMs);
  const takeoverMs = world.now() - killAt;
  world.result(`${next.name} took over as MASTER ${seconds(takeoverMs)} after the kill`);
  const served = await world.until(
    (s) => s.traffic.recent.find((r) => r.atMs > killAt + takeoverMs && r.backend !== undefined),
    'an answer through the new master',
    t.stepDeadlineMs,
  );
  const serviceBackMs = served.atMs - killAt;
  await world.hold(t.afterTakeoverMs);
  await world.until(allAnswer, 'answers from both backends through the new master', t.stepDeadlineMs);
  const failedDuringTakeover = world.state.traffic.failed - failedBefore;
  world.result(
    `first answer via ${next.name} ${seconds(serviceBackMs)} after the kill; ${failedDuringTakeover} failed`,
  );
  world.result(`service continued: both backends answer through ${next.name}`);
  return { next, takeoverMs, serviceBackMs, failedDuringTakeover };
}

/**
 * Moves the drained backend's health page away (or back) and waits until the directors give it
 * `weight`; returns how long that took.
 */
async function reweighByHealthPage(world: DemoWorld, t: Timeline, away: boolean, weight: number): Promise<number> {
  const at = world.now();
  await world.moveHealthPage(DRAINED.name, away);
  await world.until(
    (s) => weightOf(s.directors, DRAINED.address) === weight,
    `weight ${weight} for ${DRAINED.address}`,
    t.stepDeadlineMs,
  );
  return world.now() - at;
}

async function drain(world: DemoWorld, t: Timeline): Promise<number> {
  world.phase(`5/6 Drain ${DRAINED.name}: rename its /health_check.html`);
  world.event('HTTP_GET fails; inhibit_on_failure sets the weight to 0');
  const drainMs = await reweighByHealthPage(world, t, true, 0);
  world.result(`${DRAINED.name} (${DRAINED.address}) weight 0 after ${seconds(drainMs)}`);
  // Requests sent just before the change may still be answered by web1: count from 1 s later.
  const drainedFrom = world.now() + 1000;
  await world.hold(Math.max(t.drainedMs, t.windowMs) + 1000);
  const since = world.state.traffic.recent.filter((r) => r.atMs > drainedFrom && r.backend !== undefined);
  const toDrained = since.filter((r) => r.backend === DRAINED.name).length;
  world.result(`new connections from 1 s after weight 0: ${DRAINED.name} ${toDrained}, all backends ${since.length}`);
  return drainMs;
}

async function restore(world: DemoWorld, t: Timeline): Promise<number> {
  world.phase(`6/6 Restore ${DRAINED.name}: rename the health page back`);
  const restoreMs = await reweighByHealthPage(world, t, false, 1);
  world.result(`${DRAINED.name} weight 1 again after ${seconds(restoreMs)}`);
  const backFrom = world.now();
  await world.until(
    (s) => s.traffic.recent.some((r) => r.atMs > backFrom && r.backend === DRAINED.name),
    `answers from ${DRAINED.name} again`,
    t.stepDeadlineMs,
  );
  await world.hold(t.restoredMs);
  world.result(`${DRAINED.name} answers again`);
  return restoreMs;
}

/** Runs every phase on `world`; throws with what it waited for when a deadline passes. */
export async function runScenario(world: DemoWorld, t: Timeline): Promise<DemoSummary> {
  const { master, electionMs } = await buildAndStart(world, t);
  await steadyTraffic(world, t);
  const takeover = await killMaster(world, t, master);
  const drainMs = await drain(world, t);
  const restoreMs = await restore(world, t);
  const listing = await world.lvsctl(takeover.next.name, ['ipvs', 'list', '-n', '--stats']);
  world.phase('Done');
  return {
    firstMaster: master.name,
    electionMs,
    takeoverMs: takeover.takeoverMs,
    serviceBackMs: takeover.serviceBackMs,
    failedDuringTakeover: takeover.failedDuringTakeover,
    drainMs,
    restoreMs,
    master: takeover.next.name,
    listing,
  };
}
