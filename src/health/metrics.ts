/**
 * lvs_health_* instruments behind intent-named methods. The registry is passed in (STYLE.md,
 * "Metrics"); label values come from bounded sets (type, result, vs, rs).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CheckResult, CheckType, ProbeHealth } from './types.js';
import type { VipPathSkip } from './vip-path-check.js';

/** Health-check metrics; one instance per registry. */
export class HealthMetrics {
  private readonly checks: Counter<'type' | 'result'>;
  private readonly duration: Histogram<'type'>;
  private readonly lateness: Histogram;
  private readonly rsUp: Gauge<'vs' | 'rs'>;
  private readonly probes: Gauge<'state'>;
  private readonly inFlight: Gauge;
  private readonly transitions: Counter<'to'>;
  private readonly vipPathSkips: Counter<'reason'>;
  /** Label children by type (and result): prom-client hashes a labels object on every call. */
  private readonly checkChildren = new Map<string, ReturnType<Counter<'type' | 'result'>['labels']>>();
  private readonly durationChildren = new Map<string, ReturnType<Histogram<'type'>['labels']>>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.checks = new Counter({
      name: 'lvs_health_checks_total',
      help: 'Check attempts by checker type and result (success, or the failure reason).',
      labelNames: ['type', 'result'],
      registers,
    });
    this.duration = new Histogram({
      name: 'lvs_health_check_duration_seconds',
      help: 'Time an attempt took, up to its timeout (connect_timeout).',
      labelNames: ['type'],
      // From 1 ms (a local TCP connect) to past keepalived's 5 s default connect_timeout.
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.lateness = new Histogram({
      name: 'lvs_health_check_lateness_seconds',
      help: 'How late an attempt started against its schedule (timer delay plus waiting for a concurrency slot).',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.rsUp = new Gauge({
      name: 'lvs_health_real_server_up',
      help: 'Whether a real server of a virtual server passes all its checks (1) or not (0).',
      labelNames: ['vs', 'rs'],
      registers,
    });
    this.probes = new Gauge({
      name: 'lvs_health_probes',
      help: 'Distinct probes after deduplication (same target and same check run once), by state: up, down, unknown.',
      labelNames: ['state'],
      registers,
    });
    for (const state of ['up', 'down', 'unknown']) this.probes.set({ state }, 0);
    this.inFlight = new Gauge({
      name: 'lvs_health_checks_in_flight',
      help: 'Attempts running now (bounded by the scheduler concurrency).',
      registers,
    });
    this.transitions = new Counter({
      name: 'lvs_health_real_server_transitions_total',
      help: 'Real server state changes, by the state entered.',
      labelNames: ['to'],
      registers,
    });
    this.vipPathSkips = new Counter({
      name: 'lvs_health_vip_path_skipped_total',
      help: 'VIP-path probe attempts that could not test the path, by reason: no-capability (no AF_PACKET socket), routed, local, unresolved, no-route, error.',
      labelNames: ['reason'],
      registers,
    });
  }

  /** A VIP-path probe could not test its path (Auto: passed unchecked; Enabled: failed). */
  vipPathSkipped(reason: VipPathSkip): void {
    this.vipPathSkips.inc({ reason });
  }

  /** An attempt finished. */
  attempted(type: CheckType, result: CheckResult): void {
    const outcome = result.ok ? 'success' : result.reason;
    const key = `${type}/${outcome}`;
    let counter = this.checkChildren.get(key);
    if (!counter) {
      counter = this.checks.labels(type, outcome);
      this.checkChildren.set(key, counter);
    }
    counter.inc();
    let histogram = this.durationChildren.get(type);
    if (!histogram) {
      histogram = this.duration.labels(type);
      this.durationChildren.set(type, histogram);
    }
    histogram.observe(result.latencyMs / 1000);
  }

  /** An attempt started `latenessMs` after its planned time. */
  started(latenessMs: number): void {
    this.lateness.observe(Math.max(0, latenessMs) / 1000);
  }

  inFlightChanged(n: number): void {
    this.inFlight.set(n);
  }

  /** A probe was added (state unknown) or removed (in its last state). */
  probeAdded(): void {
    this.probes.inc({ state: 'unknown' });
  }

  probeRemoved(state: ProbeHealth): void {
    this.probes.dec({ state });
  }

  /** A probe's verdict changed. */
  probeStateChanged(from: ProbeHealth, to: ProbeHealth): void {
    this.probes.dec({ state: from });
    this.probes.inc({ state: to });
  }

  /** A real server's aggregate state, set at start and on each change. */
  realServerState(vs: string, rs: string, up: boolean, changed: boolean): void {
    this.rsUp.set({ vs, rs }, up ? 1 : 0);
    if (changed) this.transitions.inc({ to: up ? 'up' : 'down' });
  }

  /** A real server left the configuration. */
  realServerRemoved(vs: string, rs: string): void {
    this.rsUp.remove({ vs, rs });
  }
}
