/**
 * The demo's model (pure): what the probes and the client report, folded into one state that
 * the view renders. No I/O, no clock: times come in as arguments.
 */

/** One destination of an IPVS service, as the director's kernel reports it. */
export interface DestSnapshot {
  readonly address: string;
  readonly port: number;
  readonly forwarding: string;
  readonly weight: number;
  readonly activeConns: number;
  readonly inactiveConns: number;
  readonly conns: number;
  readonly inPkts: number;
}

/** One IPVS service. */
export interface ServiceSnapshot {
  readonly protocol: string;
  readonly address: string;
  readonly port: number;
  readonly scheduler: string;
  readonly destinations: readonly DestSnapshot[];
}

/** What a probe in a director's namespace saw at one moment. */
export interface ProbeSnapshot {
  /** False when the agent's /metrics did not answer (not started yet, or dead). */
  readonly agentUp: boolean;
  /** VRRP state per instance (MASTER, BACKUP, FAULT, INIT). */
  readonly vrrp: readonly { readonly group: string; readonly state: string }[];
  /** Health of each real server as this director's checks see it. */
  readonly health: readonly { readonly rs: string; readonly up: boolean }[];
  readonly ipvs: readonly ServiceSnapshot[];
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
    (d) => !d.killed && d.snapshot?.agentUp && d.snapshot.vrrp.some((v) => v.state === 'MASTER'),
  );
  return masters.length === 1 ? masters[0] : undefined;
}

/** The weight the master's kernel gives `address`, if the master has it. */
export function weightOf(directors: readonly DirectorState[], address: string): number | undefined {
  for (const s of masterOf(directors)?.snapshot?.ipvs ?? []) {
    const d = s.destinations.find((x) => x.address === address);
    if (d) return d.weight;
  }
  return undefined;
}

/** The health of `address` in the master's checks, if reported. */
export function healthOf(directors: readonly DirectorState[], address: string): boolean | undefined {
  return masterOf(directors)?.snapshot?.health.find((h) => h.rs.startsWith(`${address}:`) || h.rs === address)?.up;
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
  const stateOf = (s: ProbeSnapshot | undefined) => s?.vrrp.map((v) => v.state).join(',') ?? '';
  const from = before?.agentUp ? stateOf(before) : '';
  const to = stateOf(after);
  if (from !== to && to !== '') out.push(`${name}: VRRP ${from || 'start'} -> ${to}`);
  const weights = (s: ProbeSnapshot | undefined) =>
    new Map((s?.ipvs ?? []).flatMap((svc) => svc.destinations.map((d) => [d.address, d.weight] as const)));
  const w0 = weights(before);
  for (const [address, w] of weights(after)) {
    const was = w0.get(address);
    if (was !== undefined && was !== w) out.push(`${name}: IPVS weight of ${address} ${was} -> ${w}`);
  }
  const h0 = new Map((before?.health ?? []).map((h) => [h.rs, h.up]));
  for (const h of after.health) {
    const was = h0.get(h.rs);
    if (was !== undefined && was !== h.up) out.push(`${name}: health of ${h.rs} ${h.up ? 'UP' : 'DOWN'}`);
  }
  return out;
}
