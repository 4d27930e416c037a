import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The lvs_controller_* instruments behind intent-named methods. */
export interface ControllerMetrics {
  passed(elapsedMs: number, result: 'ok' | 'error'): void;
  leading(isLeader: boolean): void;
  statusWritten(result: 'written' | 'unchanged' | 'error'): void;
  conflicts(count: number): void;
  eventRecorded(reason: string, result: 'sent' | 'deduplicated' | 'error'): void;
}

export function createControllerMetrics(registry: Registry): ControllerMetrics {
  const duration = new Histogram({
    name: 'lvs_controller_pass_duration_seconds',
    help: 'Duration of one controller pass over every object.',
    buckets: [0.001, 0.004, 0.016, 0.064, 0.256, 1.024, 4.096],
    registers: [registry],
  });
  const passes = new Counter({
    name: 'lvs_controller_passes_total',
    help: 'Controller passes, by result.',
    labelNames: ['result'],
    registers: [registry],
  });
  const leader = new Gauge({
    name: 'lvs_controller_leader',
    help: '1 while this process holds the controller lease.',
    registers: [registry],
  });
  const writes = new Counter({
    name: 'lvs_controller_status_writes_total',
    help: 'Status writes of the controller, by result (unchanged ones are skipped).',
    labelNames: ['result'],
    registers: [registry],
  });
  const conflicts = new Gauge({
    name: 'lvs_controller_conflicts',
    help: 'Objects with Conflict=True after the last pass.',
    registers: [registry],
  });
  const events = new Counter({
    name: 'lvs_controller_events_total',
    help: 'Events the controller recorded, by reason and result (deduplicated ones were not sent).',
    labelNames: ['reason', 'result'],
    registers: [registry],
  });
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
