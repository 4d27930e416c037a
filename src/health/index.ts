// The public surface of src/health: the probe model, the health -> weights plan, the
// scheduler, the monitor and the real checkers. Fakes are imported by path in tests.
export * from './types.js';
export * from './errors.js';
export { keyOf, vipPathProbes, type VipPathServer, type ProbeKey } from './probes.js';
export * from './weights.js';
export type { CheckRunner, Checker, CheckerDeps } from './checker.js';
export { createSystemCheckRunner, type SystemCheckRunner } from './check-runner.js';
export { createVipPathChecker, type VipPathDeps } from './vip-path-check.js';
export { ProbeScheduler, type ProbeListener, type ProbeReport, type SchedulerOptions } from './scheduler.js';
export { HealthMetrics } from './metrics.js';
export {
  HealthMonitor,
  type CheckStatus,
  type MonitoredRealServer,
  type MonitoredService,
  type MonitorOptions,
  type NotifyRunner,
  type RealServerHealth,
} from './monitor.js';
export { createNotifyRunner } from './notify-command.js';
export { realServerStatusEntry, type RealServerStatusEntry } from './status.js';
