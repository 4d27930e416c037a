import type { Registry } from 'prom-client';
import { metricsOn, type MetricDefiner } from '../metrics/index.js';
import type { OpName } from './plan.js';
import type { AcceptMode } from './types.js';

/** Operation labels: the planner's ops plus the steps around them. */
export type MetricOp = OpName | 'loadState' | 'saveState' | 'listRules' | 'pass';

const MODES: readonly AcceptMode[] = ['Loopback', 'IptablesRedirect', 'Tunnel'];

/** The lvs_realserver_* instruments, behind intent-named methods. */
export class RealserverMetrics {
  /** The instruments, defined in `instruments` below. */
  private readonly m: ReturnType<typeof instruments>;

  constructor(registry: Registry) {
    this.m = instruments(metricsOn(registry));
    for (const mode of MODES) this.m.vips.set({ mode }, 0);
  }

  applied(op: MetricOp): void {
    this.m.operations.inc({ op });
  }

  failed(op: MetricOp): void {
    this.m.errors.inc({ op });
  }

  /** After a pass: configured VIPs per mode, issue count and how long it took. */
  synced(elapsedMs: number, configured: ReadonlyMap<AcceptMode, number>, issues: number): void {
    this.m.duration.observe(elapsedMs / 1000);
    for (const mode of MODES) this.m.vips.set({ mode }, configured.get(mode) ?? 0);
    this.m.issues.set(issues);
  }
}

/** The instruments, each defined once; their label names type them. */
function instruments({ counter, gauge, histogram }: MetricDefiner) {
  return {
    vips: gauge('lvs_realserver_vips', 'VIPs this node accepts and has configured, by acceptVIP mode.', ['mode']),
    errors: counter('lvs_realserver_sync_errors_total', 'Failed realserver operations, by operation.', ['op']),
    operations: counter(
      'lvs_realserver_operations_total',
      'Changes the realserver role made to the node, by operation.',
      ['op'],
    ),
    duration: histogram(
      'lvs_realserver_sync_duration_seconds',
      'Duration of one realserver sync pass.',
      [0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048, 4.096],
    ),
    issues: gauge(
      'lvs_realserver_object_issues',
      'Object issues that keep VIPs from being accepted on this node (conflicts, fwmark services).',
    ),
  };
}
