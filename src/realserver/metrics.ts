import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { OpName } from './plan.js';
import type { AcceptMode } from './types.js';

/** Operation labels: the planner's ops plus the steps around them. */
export type MetricOp = OpName | 'loadState' | 'saveState' | 'listRules' | 'pass';

const MODES: readonly AcceptMode[] = ['Loopback', 'IptablesRedirect', 'Tunnel'];

/** The lvs_realserver_* instruments, behind intent-named methods. */
export class RealserverMetrics {
  private readonly vips: Gauge<'mode'>;
  private readonly errors: Counter<'op'>;
  private readonly operations: Counter<'op'>;
  private readonly duration: Histogram;
  private readonly issues: Gauge;

  constructor(registry: Registry) {
    this.vips = new Gauge({
      name: 'lvs_realserver_vips',
      help: 'VIPs this node accepts and has configured, by acceptVIP mode.',
      labelNames: ['mode'],
      registers: [registry],
    });
    this.errors = new Counter({
      name: 'lvs_realserver_sync_errors_total',
      help: 'Failed realserver operations, by operation.',
      labelNames: ['op'],
      registers: [registry],
    });
    this.operations = new Counter({
      name: 'lvs_realserver_operations_total',
      help: 'Changes the realserver role made to the node, by operation.',
      labelNames: ['op'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'lvs_realserver_sync_duration_seconds',
      help: 'Duration of one realserver sync pass.',
      buckets: [0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048, 4.096],
      registers: [registry],
    });
    this.issues = new Gauge({
      name: 'lvs_realserver_object_issues',
      help: 'Object issues that keep VIPs from being accepted on this node (conflicts, fwmark services).',
      registers: [registry],
    });
    for (const mode of MODES) this.vips.set({ mode }, 0);
  }

  applied(op: MetricOp): void {
    this.operations.inc({ op });
  }

  failed(op: MetricOp): void {
    this.errors.inc({ op });
  }

  /** After a pass: configured VIPs per mode, issue count and how long it took. */
  synced(elapsedMs: number, configured: ReadonlyMap<AcceptMode, number>, issues: number): void {
    this.duration.observe(elapsedMs / 1000);
    for (const mode of MODES) this.vips.set({ mode }, configured.get(mode) ?? 0);
    this.issues.set(issues);
  }
}
