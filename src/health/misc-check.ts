/**
 * Adapter: MISC_CHECK (keepalived/check/check_misc.c, misc_check_child_thread): run a program
 * without a shell. Exit 0 is up; with misc_dynamic, exit 2-255 is up with weight exit - 2 and
 * exit 1 is down; without it every non-zero exit is down. Past misc_timeout the process group
 * gets SIGTERM, then SIGKILL 2 s later, and the attempt counts as a timeout.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { failed, type Checker, type CheckerDeps } from './checker.js';
import { reasonOfError } from './socket-errors.js';
import type { CheckResult } from './types.js';

/** check_misc.c gives a process 2 s between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 2000;

/** The verdict for an exit status (pure; exported for tests). */
export function miscVerdict(status: number, dynamic: boolean, latencyMs: number): CheckResult {
  if (status === 0) return { ok: true, latencyMs };
  if (dynamic && status >= 2 && status <= 255) {
    return { ok: true, latencyMs, weight: { kind: 'set', weight: status - 2 }, detail: `exit ${status}` };
  }
  return failed('exit', `exit status ${status}`, latencyMs);
}

/** The MISC_CHECK checker. */
export function createMiscChecker(deps: CheckerDeps): Checker<'MISC'> {
  return async (probe, signal) => {
    const started = deps.clock.now();
    const elapsed = () => deps.clock.now() - started;
    let ids: { uid: number; gid: number } | undefined;
    if (probe.user !== undefined) {
      ids = await userIds(probe.user);
      if (!ids) return failed('error', `unknown user ${probe.user}`, elapsed());
    }
    const [program, ...args] = probe.command;
    return new Promise<CheckResult>((resolve) => {
      let timedOut = false;
      let cancelKill = () => {};
      const child = spawn(program ?? '', args, { stdio: 'ignore', detached: true, ...(ids ?? {}) });
      const killGroup = (sig: NodeJS.Signals) => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, sig);
        } catch {
          // ESRCH: the group is gone already.
        }
      };
      const onTimeout = () => {
        timedOut = true;
        killGroup('SIGTERM');
        cancelKill = deps.clock.setTimer(KILL_GRACE_MS, () => killGroup('SIGKILL'));
      };
      const cancelTimeout = deps.clock.setTimer(probe.timeoutMs, onTimeout);
      signal.addEventListener('abort', onTimeout, { once: true });
      const settle = (result: CheckResult) => {
        cancelTimeout();
        cancelKill();
        signal.removeEventListener('abort', onTimeout);
        resolve(result);
      };
      child.on('error', (err) => settle(failed('error', reasonOfError(err).detail, elapsed())));
      child.on('exit', (code, sig) => {
        // Reap anything the script left in its group (check_misc.c kills -pid after SIGTERM).
        killGroup('SIGKILL');
        if (timedOut) return settle(failed('timeout', `no exit within ${probe.timeoutMs} ms`, elapsed()));
        if (code === null) return settle(failed('exit', `killed by ${sig ?? 'a signal'}`, elapsed()));
        settle(miscVerdict(code, probe.dynamic, elapsed()));
      });
    });
  };
}

/** uid and gid of a user from /etc/passwd, as keepalived's `user` keyword resolves it. */
async function userIds(user: string): Promise<{ uid: number; gid: number } | undefined> {
  const passwd = await readFile('/etc/passwd', 'utf8').catch(() => '');
  for (const line of passwd.split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (name === user && uid !== undefined && gid !== undefined) return { uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}
