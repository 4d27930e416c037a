import type { Registry } from 'prom-client';
import { metricsOn } from '../metrics/index.js';

/** The lvs_controller_* instruments behind intent-named methods. */
export interface ControllerMetrics {
  passed(elapsedMs: number, result: 'ok' | 'error'): void;
  leading(isLeader: boolean): void;
  statusWritten(result: 'written' | 'unchanged' | 'error'): void;
  conflicts(count: number): void;
  eventRecorded(reason: string, result: 'sent' | 'deduplicated' | 'error'): void;
}

export function createControllerMetrics(registry: Registry): ControllerMetrics {
  const { counter, gauge, histogram } = metricsOn(registry);
  const duration = histogram(
    'lvs_controller_pass_duration_seconds',
    'Duration of one controller pass over every object.',
    [0.001, 0.004, 0.016, 0.064, 0.256, 1.024, 4.096],
  );
  const passes = counter('lvs_controller_passes_total', 'Controller passes, by result.', ['result']);
  const leader = gauge('lvs_controller_leader', '1 while this process holds the controller lease.');
  const writes = counter(
    'lvs_controller_status_writes_total',
    'Status writes of the controller, by result (unchanged ones are skipped).',
    ['result'],
  );
  const conflicts = gauge('lvs_controller_conflicts', 'Objects with Conflict=True after the last pass.');
  const events = counter(
    'lvs_controller_events_total',
    'Events the controller recorded, by reason and result (deduplicated ones were not sent).',
    ['reason', 'result'],
  );
  return {
    eventRecorded: (reason, result) => events.inc({ reason, result }),
    passed(elapsedMs, result) {
      duration.observe(elapsedMs / 1000);
      passes.inc({ result });
    },
    leading: (isLeader) => leader.set(isLeader ? 1 : 0),
    statusWritten: (result) => writes.inc({ result }),
    conflicts: (count) => conflicts.set(count),
  };
}
