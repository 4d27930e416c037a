import { exponentialBuckets, type Registry } from 'prom-client';
import { metricsOn, type MetricDefiner } from '../metrics/index.js';
import type { OpResult } from './client.js';
import { DRIFT_KINDS, type DriftKind } from './drift.js';

/**
 * The reconciler's instruments (lvs_ipvs_*), behind intent-named methods as MetalLB's
 * stats.go does. Label values come from bounded sets: op kinds and errno names.
 */
export class IpvsMetrics {
  /** The instruments, defined in `instruments` below. */
  private readonly m: ReturnType<typeof instruments>;

  constructor(registry: Registry) {
    this.m = instruments(metricsOn(registry));
    // Every kind from 0, so increase() sees the first repair.
    for (const kind of DRIFT_KINDS) this.m.drift.inc({ kind }, 0);
  }

  /** A pass found an owned service changed behind its back (and puts it back). */
  driftRepaired(kind: DriftKind): void {
    this.m.drift.inc({ kind });
  }

  /** The conflicts now, replacing the previous set. */
  conflicts(services: readonly { service: string; reason: string }[]): void {
    this.m.conflictGauge.reset();
    for (const c of services) this.m.conflictGauge.set(c, 1);
  }

  /** The ownership record could not be read or written, or an entry was corrupt. */
  recordFailed(op: string, errno: string): void {
    this.m.recordErrors.inc({ op, errno });
  }

  recordPending(entries: number): void {
    this.m.recordPendingGauge.set(entries);
  }

  /** A pass completed: its duration, the outcome of every op, and the resulting table size. */
  synced(
    elapsedMs: number,
    results: readonly OpResult[],
    ownedServices: number,
    draining: number,
    wallMs: number,
  ): void {
    this.m.duration.observe(elapsedMs / 1000);
    for (const r of results) {
      this.m.operations.inc({ op: r.op.op, result: r.error ? 'error' : 'ok' });
      if (r.error) this.m.errors.inc({ op: r.op.op, errno: 'errnoName' in r.error ? r.error.errnoName : 'invalid' });
    }
    this.m.lastSync.set(wallMs / 1000);
    this.m.services.set(ownedServices);
    this.m.draining.set(draining);
  }

  /** A pass failed before it could apply anything (dump or transport failure). */
  passFailed(): void {
    this.m.failedPasses.inc();
  }
}

/** The instruments, each defined once; their label names type them. */
function instruments({ counter, gauge, histogram }: MetricDefiner) {
  return {
    duration: histogram(
      'lvs_ipvs_sync_duration_seconds',
      'Time of one IPVS reconcile pass: dump, plan and apply.',
      // 1 ms to about 33 s: a no-op pass on a small table up to a full load of 100,000 entries.
      exponentialBuckets(0.001, 2, 16),
    ),
    operations: counter('lvs_ipvs_operations_total', 'IPVS table changes applied, by op kind and result.', [
      'op',
      'result',
    ]),
    errors: counter('lvs_ipvs_sync_errors_total', 'IPVS table changes the kernel refused, by op kind and errno.', [
      'op',
      'errno',
    ]),
    lastSync: gauge('lvs_ipvs_last_sync_timestamp_seconds', 'Wall time of the last completed IPVS reconcile pass.'),
    services: gauge('lvs_ipvs_owned_services', 'IPVS services this node owns.'),
    draining: gauge('lvs_ipvs_draining_destinations', 'Destinations at weight 0 waiting for their connections to end.'),
    failedPasses: counter(
      'lvs_ipvs_sync_failures_total',
      'IPVS reconcile passes that could not read or write the kernel at all.',
    ),
    conflictGauge: gauge(
      'lvs_ipvs_conflicts',
      'Desired IPVS services left untouched because another tool owns them (1 per service, by reason).',
      ['service', 'reason'],
    ),
    recordErrors: counter(
      'lvs_ipvs_record_errors_total',
      'Failures to read or write the IPVS ownership record, and corrupt entries (errno ECORRUPT).',
      ['op', 'errno'],
    ),
    drift: counter(
      'lvs_ipvs_drift_repaired_total',
      'Differences found between the kernel table of an owned service and what the last pass left (someone else edited it), each put back by the pass, by kind.',
      ['kind'],
    ),
    recordPendingGauge: gauge(
      'lvs_ipvs_record_pending',
      'Ownership changes kept in memory because the record could not be written yet.',
    ),
  };
}
