/**
 * The demo's model (pure): what the probes and the client report, folded into one state that
 * the view renders. No I/O, no clock: times come in as arguments.
 */
import { parseStatusDocument, type NodeStatusDocument } from '../status/index.js';

/** What a probe in a director's namespace saw at one moment: the agent's /status. */
export interface ProbeSnapshot {
  /** False when the agent's /status did not answer (not started yet, or dead). */
  readonly agentUp: boolean;
  readonly status?: NodeStatusDocument;
}

/** A probe's output line, parsed at this edge (the status document with its own schema). */
export function parseProbeLine(line: string): ProbeSnapshot | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null || !('agentUp' in raw) || typeof raw.agentUp !== 'boolean')
    return undefined;
  if (!raw.agentUp || !('status' in raw)) return { agentUp: false };
  const parsed = parseStatusDocument(raw.status);
  return parsed.ok ? { agentUp: true, status: parsed.document } : { agentUp: false };
}

/** A director as the view shows it. */
export interface DirectorState {
  readonly name: string;
  readonly address: string;
  /** Set once the demo killed it. */
  readonly killed: boolean;
  readonly snapshot?: ProbeSnapshot;
}

/** A backend as the view shows it. */
export interface BackendState {
  readonly name: string;
  readonly address: string;
  readonly healthPage: 'present' | 'renamed';
  /** Set once the realserver role reported the VIP's REDIRECT rule in place. */
  readonly acceptsVip?: boolean;
}

/** One finished request of the client: answered by a backend, or failed. */
export interface RequestOutcome {
  readonly atMs: number;
  readonly backend?: string;
  readonly error?: string;
}

/** Counters of the client's requests. */
export interface TrafficState {
  readonly answered: Readonly<Record<string, number>>;
  readonly failed: number;
  /** Outcomes of the last `windowMs`, oldest first. */
  readonly recent: readonly RequestOutcome[];
  readonly windowMs: number;
}

/** A line of the scenario's log: a phase heading or an event. */
export interface LogLine {
  readonly atMs: number;
  readonly kind: 'phase' | 'event' | 'result';
  readonly text: string;
}

/** Everything the view renders. */
export interface DemoState {
  readonly title: string;
  readonly nowMs: number;
  readonly phase: string;
  readonly directors: readonly DirectorState[];
  readonly backends: readonly BackendState[];
  readonly traffic: TrafficState;
  readonly log: readonly LogLine[];
  readonly notes: readonly string[];
}

/** An empty traffic record keeping `windowMs` of recent outcomes. */
export function emptyTraffic(windowMs: number): TrafficState {
  return { answered: {}, failed: 0, recent: [], windowMs };
}

/** Folds one request outcome into the traffic counters. */
export function recordOutcome(t: TrafficState, o: RequestOutcome): TrafficState {
  const answered =
    o.backend !== undefined ? { ...t.answered, [o.backend]: (t.answered[o.backend] ?? 0) + 1 } : t.answered;
  const recent = [...t.recent, o].filter((r) => r.atMs > o.atMs - t.windowMs);
  return { ...t, answered, failed: t.failed + (o.backend === undefined ? 1 : 0), recent };
}

/** Recent outcomes still inside the window at `nowMs`. */
export function windowOf(t: TrafficState, nowMs: number): readonly RequestOutcome[] {
  return t.recent.filter((r) => r.atMs > nowMs - t.windowMs);
}

/** The director whose probe reports VRRP MASTER, if exactly one does. */
export function masterOf(directors: readonly DirectorState[]): DirectorState | undefined {
  const masters = directors.filter(
    (d) => !d.killed && d.snapshot?.agentUp && vrrpStates(d.snapshot).includes('MASTER'),
  );
  return masters.length === 1 ? masters[0] : undefined;
}

/** The VRRP states of a director's instances (MASTER, BACKUP, FAULT, INIT). */
export function vrrpStates(s: ProbeSnapshot | undefined): string[] {
  return (s?.status?.director?.vrrp ?? []).map((v) => v.state);
}

/** Each destination's weight in a director's kernel table, by address. */
function weights(s: ProbeSnapshot | undefined): Map<string, number> {
  return new Map(
    (s?.status?.director?.ipvs ?? []).flatMap((svc) => svc.destinations.map((d) => [d.address, d.weight] as const)),
  );
}

/** Each real server's health in a director's checks ("address:port" → up), Unknown left out. */
function health(s: ProbeSnapshot | undefined): Map<string, boolean> {
  return new Map(
    (s?.status?.director?.virtualServers ?? []).flatMap((vs) =>
      vs.realServers.flatMap((r) =>
        r.health === 'Unknown' ? [] : [[`${r.address}:${r.port}`, r.health === 'Up'] as const],
      ),
    ),
  );
}

/** The weight the master's kernel gives `address`, if the master has it. */
export function weightOf(directors: readonly DirectorState[], address: string): number | undefined {
  return weights(masterOf(directors)?.snapshot).get(address);
}

/** The health of `address` in the master's checks, if reported. */
export function healthOf(directors: readonly DirectorState[], address: string): boolean | undefined {
  for (const [server, up] of health(masterOf(directors)?.snapshot)) if (server.startsWith(`${address}:`)) return up;
  return undefined;
}

/**
 * What changed between two snapshots of a director, as sentences for the log: VRRP state,
 * agent reachability, destination weights and health.
 */
export function describeChanges(name: string, before: ProbeSnapshot | undefined, after: ProbeSnapshot): string[] {
  const out: string[] = [];
  if (before?.agentUp !== after.agentUp && (before !== undefined || after.agentUp)) {
    out.push(`${name}: agent ${after.agentUp ? 'answering' : 'not answering'}`);
  }
  if (!after.agentUp) return out;
  const stateOf = (s: ProbeSnapshot | undefined) => vrrpStates(s).join(',');
  const from = before?.agentUp ? stateOf(before) : '';
  const to = stateOf(after);
  if (from !== to && to !== '') out.push(`${name}: VRRP ${from || 'start'} -> ${to}`);
  const w0 = weights(before);
  for (const [address, w] of weights(after)) {
    const was = w0.get(address);
    if (was !== undefined && was !== w) out.push(`${name}: IPVS weight of ${address} ${was} -> ${w}`);
  }
  const h0 = health(before);
  for (const [server, up] of health(after)) {
    const was = h0.get(server);
    if (was !== undefined && was !== up) out.push(`${name}: health of ${server} ${up ? 'UP' : 'DOWN'}`);
  }
  return out;
}
