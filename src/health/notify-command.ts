/**
 * Adapter: runs notify hooks (notify_up, notify_down, quorum_up, quorum_down) as keepalived's
 * notify scripts run: without a shell, detached, output discarded, killed when they outlive
 * their timeout. A hook that cannot start is logged and counted as nothing else: it never
 * stops the checks.
 */
import { spawn } from 'node:child_process';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import type { NotifyRunner } from './monitor.js';

/** keepalived gives scripts script_timeout, 5 s by default (global_data.c). */
const NOTIFY_TIMEOUT_MS = 5000;

/** The notify runner over child processes. */
export function createNotifyRunner(deps: { clock: Clock; log: Logger; timeoutMs?: number }): NotifyRunner {
  const log = deps.log.child({ component: 'health-notify' });
  return (command, context) => {
    const [program, ...args] = command;
    const child = spawn(program ?? '', args, { stdio: 'ignore', detached: true });
    const cancel = deps.clock.setTimer(deps.timeoutMs ?? NOTIFY_TIMEOUT_MS, () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // ESRCH: it has exited.
      }
    });
    child.on('error', (err) => {
      cancel();
      log.warn({ ...context, err, command: program }, 'notify hook failed to start');
    });
    child.on('exit', (code) => {
      cancel();
      if (code !== 0) log.warn({ ...context, command: program, exitCode: code }, 'notify hook failed');
    });
  };
}
