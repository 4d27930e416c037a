/**
 * lvs_health_* instruments behind intent-named methods. The registry is passed in (STYLE.md,
 * "Metrics"); label values come from bounded sets (type, result, vs, rs).
 */
import type { Counter, Histogram, Registry } from 'prom-client';
import { metricsOn, type MetricDefiner } from '../metrics/index.js';
import type { CheckResult, CheckType, ProbeHealth } from './types.js';
import type { VipPathSkip } from './types.js';

/** Health-check metrics; one instance per registry. */
export class HealthMetrics {
  /** The instruments, defined in `instruments` below. */
  private readonly m: ReturnType<typeof instruments>;
  /** Label children by type (and result): prom-client hashes a labels object on every call. */
  private readonly checkChildren = new Map<string, ReturnType<Counter<'type' | 'result'>['labels']>>();
  private readonly durationChildren = new Map<string, ReturnType<Histogram<'type'>['labels']>>();

  constructor(registry: Registry) {
    this.m = instruments(metricsOn(registry));
    for (const state of ['up', 'down', 'unknown']) this.m.probes.set({ state }, 0);
  }

  /** A VIP-path probe could not test its path (Auto: passed unchecked; Enabled: failed). */
  vipPathSkipped(reason: VipPathSkip): void {
    this.m.vipPathSkips.inc({ reason });
  }

  /** An attempt finished. */
  attempted(type: CheckType, result: CheckResult): void {
    const outcome = result.ok ? 'success' : result.reason;
    const key = `${type}/${outcome}`;
    let counter = this.checkChildren.get(key);
    if (!counter) {
      counter = this.m.checks.labels(type, outcome);
      this.checkChildren.set(key, counter);
    }
    counter.inc();
    let histogram = this.durationChildren.get(type);
    if (!histogram) {
      histogram = this.m.duration.labels(type);
      this.durationChildren.set(type, histogram);
    }
    histogram.observe(result.latencyMs / 1000);
  }

  /** An attempt started `latenessMs` after its planned time. */
  started(latenessMs: number): void {
    this.m.lateness.observe(Math.max(0, latenessMs) / 1000);
  }

  inFlightChanged(n: number): void {
    this.m.inFlight.set(n);
  }

  /** A probe was added (state unknown) or removed (in its last state). */
  probeAdded(): void {
    this.m.probes.inc({ state: 'unknown' });
  }

  probeRemoved(state: ProbeHealth): void {
    this.m.probes.dec({ state });
  }

  /** A probe's verdict changed. */
  probeStateChanged(from: ProbeHealth, to: ProbeHealth): void {
    this.m.probes.dec({ state: from });
    this.m.probes.inc({ state: to });
  }

  /** A real server's aggregate state, set at start and on each change. */
  realServerState(vs: string, rs: string, up: boolean, changed: boolean): void {
    this.m.rsUp.set({ vs, rs }, up ? 1 : 0);
    if (changed) this.m.transitions.inc({ to: up ? 'up' : 'down' });
  }

  /** Whether a virtual server has quorum (the weight of its up real servers), after each plan. */
  quorumIs(vs: string, up: boolean): void {
    this.m.quorumUp.set({ vs }, up ? 1 : 0);
  }

  /** A virtual server left the configuration. */
  virtualServerRemoved(vs: string): void {
    this.m.quorumUp.remove({ vs });
  }

  /** A real server left the configuration. */
  realServerRemoved(vs: string, rs: string): void {
    this.m.rsUp.remove({ vs, rs });
  }
}

/** The instruments, each defined once; their label names type them. */
function instruments({ counter, gauge, histogram }: MetricDefiner) {
  return {
    checks: counter(
      'lvs_health_checks_total',
      'Check attempts by checker type and result (success, or the failure reason).',
      ['type', 'result'],
    ),
    duration: histogram(
      'lvs_health_check_duration_seconds',
      'Time an attempt took, up to its timeout (connect_timeout).',
      // From 1 ms (a local TCP connect) to past keepalived's 5 s default connect_timeout.
      [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      ['type'],
    ),
    lateness: histogram(
      'lvs_health_check_lateness_seconds',
      'How late an attempt started against its schedule (timer delay plus waiting for a concurrency slot).',
      [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    ),
    rsUp: gauge(
      'lvs_health_real_server_up',
      'Whether a real server of a virtual server passes all its checks (1) or not (0).',
      ['vs', 'rs'],
    ),
    quorumUp: gauge(
      'lvs_health_virtual_server_quorum_up',
      'Whether a virtual server has quorum (1): the summed weight of its up real servers reaches quorum, with hysteresis; 0 while lost.',
      ['vs'],
    ),
    probes: gauge(
      'lvs_health_probes',
      'Distinct probes after deduplication (same target and same check run once), by state: up, down, unknown.',
      ['state'],
    ),
    inFlight: gauge('lvs_health_checks_in_flight', 'Attempts running now (bounded by the scheduler concurrency).'),
    transitions: counter(
      'lvs_health_real_server_transitions_total',
      'Real server state changes, by the state entered.',
      ['to'],
    ),
    vipPathSkips: counter(
      'lvs_health_vip_path_skipped_total',
      'VIP-path probe attempts that could not test the path, by reason: no-capability (no AF_PACKET socket), routed, local, unresolved, no-route, error.',
      ['reason'],
    ),
  };
}
