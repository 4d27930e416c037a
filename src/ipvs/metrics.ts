import { Counter, Gauge, Histogram, exponentialBuckets, type Registry } from 'prom-client';
import type { OpResult } from './client.js';

/**
 * The reconciler's instruments (lvs_ipvs_*), behind intent-named methods as MetalLB's
 * stats.go does. Label values come from bounded sets: op kinds and errno names.
 */
export class IpvsMetrics {
  private readonly duration: Histogram;
  private readonly operations: Counter;
  private readonly errors: Counter;
  private readonly lastSync: Gauge;
  private readonly services: Gauge;
  private readonly draining: Gauge;
  private readonly failedPasses: Counter;
  private readonly conflictGauge: Gauge;
  private readonly recordErrors: Counter;
  private readonly recordPendingGauge: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.duration = new Histogram({
      name: 'lvs_ipvs_sync_duration_seconds',
      help: 'Time of one IPVS reconcile pass: dump, plan and apply.',
      // 1 ms to about 33 s: a no-op pass on a small table up to a full load of 100,000 entries.
      buckets: exponentialBuckets(0.001, 2, 16),
      registers,
    });
    this.operations = new Counter({
      name: 'lvs_ipvs_operations_total',
      help: 'IPVS table changes applied, by op kind and result.',
      labelNames: ['op', 'result'],
      registers,
    });
    this.errors = new Counter({
      name: 'lvs_ipvs_sync_errors_total',
      help: 'IPVS table changes the kernel refused, by op kind and errno.',
      labelNames: ['op', 'errno'],
      registers,
    });
    this.lastSync = new Gauge({
      name: 'lvs_ipvs_last_sync_timestamp_seconds',
      help: 'Wall time of the last completed IPVS reconcile pass.',
      registers,
    });
    this.services = new Gauge({ name: 'lvs_ipvs_owned_services', help: 'IPVS services this node owns.', registers });
    this.draining = new Gauge({
      name: 'lvs_ipvs_draining_destinations',
      help: 'Destinations at weight 0 waiting for their connections to end.',
      registers,
    });
    this.failedPasses = new Counter({
      name: 'lvs_ipvs_sync_failures_total',
      help: 'IPVS reconcile passes that could not read or write the kernel at all.',
      registers,
    });
    this.conflictGauge = new Gauge({
      name: 'lvs_ipvs_conflicts',
      help: 'Desired IPVS services left untouched because another tool owns them (1 per service, by reason).',
      labelNames: ['service', 'reason'],
      registers,
    });
    this.recordErrors = new Counter({
      name: 'lvs_ipvs_record_errors_total',
      help: 'Failures to read or write the IPVS ownership record, and corrupt entries (errno ECORRUPT).',
      labelNames: ['op', 'errno'],
      registers,
    });
    this.recordPendingGauge = new Gauge({
      name: 'lvs_ipvs_record_pending',
      help: 'Ownership changes kept in memory because the record could not be written yet.',
      registers,
    });
  }

  /** The conflicts now, replacing the previous set. */
  conflicts(services: readonly { service: string; reason: string }[]): void {
    this.conflictGauge.reset();
    for (const c of services) this.conflictGauge.set(c, 1);
  }

  /** The ownership record could not be read or written, or an entry was corrupt. */
  recordFailed(op: string, errno: string): void {
    this.recordErrors.inc({ op, errno });
  }

  recordPending(entries: number): void {
    this.recordPendingGauge.set(entries);
  }

  /** A pass completed: its duration, the outcome of every op, and the resulting table size. */
  synced(
    elapsedMs: number,
    results: readonly OpResult[],
    ownedServices: number,
    draining: number,
    wallMs: number,
  ): void {
    this.duration.observe(elapsedMs / 1000);
    for (const r of results) {
      this.operations.inc({ op: r.op.op, result: r.error ? 'error' : 'ok' });
      if (r.error) this.errors.inc({ op: r.op.op, errno: 'errnoName' in r.error ? r.error.errnoName : 'invalid' });
    }
    this.lastSync.set(wallMs / 1000);
    this.services.set(ownedServices);
    this.draining.set(draining);
  }

  /** A pass failed before it could apply anything (dump or transport failure). */
  passFailed(): void {
    this.failedPasses.inc();
  }
}
