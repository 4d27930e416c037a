/**
 * Adapter: runs notify hooks (notify_up, notify_down, quorum_up, quorum_down) as keepalived's
 * notify scripts run: without a shell, in a process group of their own, output discarded,
 * stopped when they outlive script_timeout. A hook that is refused or cannot start is logged
 * and counted nowhere else: it never stops the checks or the replan that follows.
 */
import type { Logger } from 'pino';
import type { Clock } from '../core/index.js';
import { ANY_COMMAND, SCRIPT_TIMEOUT_MS, SpawnProcessRunner, type ProcessRunner } from '../net/index.js';
import type { NotifyRunner } from './monitor.js';

/**
 * The notify runner over a process runner. The cluster director passes its allowlist runner;
 * without one every hook runs, as keepalived runs notify scripts (standalone and tests).
 */
export function createNotifyRunner(deps: {
  clock: Clock;
  log: Logger;
  timeoutMs?: number;
  processes?: ProcessRunner;
}): NotifyRunner {
  const log = deps.log.child({ component: 'health-notify' });
  const processes = deps.processes ?? new SpawnProcessRunner({ clock: deps.clock, policy: ANY_COMMAND });
  return (command, context) => {
    const program = command[0];
    void processes.run({ kind: 'notify', argv: command, timeoutMs: deps.timeoutMs ?? SCRIPT_TIMEOUT_MS }).then((r) => {
      switch (r.kind) {
        case 'exited':
          if (r.exitCode !== 0) log.warn({ ...context, command: program, exitCode: r.exitCode }, 'notify hook failed');
          return;
        case 'refused':
          log.warn({ ...context, command: program, reason: r.refusal.reason }, 'notify hook refused');
          return;
        case 'failed':
          log.warn({ ...context, command: program, errno: r.errno }, 'notify hook failed to start');
          return;
        default:
          log.warn({ ...context, command: program, outcome: r.kind }, 'notify hook failed');
      }
    });
  };
}
