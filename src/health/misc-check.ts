/**
 * Adapter: MISC_CHECK (keepalived/check/check_misc.c, misc_check_child_thread): run a program
 * without a shell. Exit 0 is up; with misc_dynamic, exit 2-255 is up with weight exit - 2 and
 * exit 1 is down; without it every non-zero exit is down. Past misc_timeout the process group
 * gets SIGTERM, then SIGKILL 2 s later, and the attempt counts as a timeout.
 */
import { readFile } from 'node:fs/promises';
import { assertNever } from '../core/index.js';
import { KILL_GRACE_MS } from '../net/index.js';
import { failed, processRunnerOf, type Checker, type CheckerDeps } from './checker.js';
import type { CheckResult } from './types.js';

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
  const processes = processRunnerOf(deps);
  return async (probe, signal) => {
    const started = deps.clock.now();
    const elapsed = () => deps.clock.now() - started;
    let ids: { uid: number; gid: number } | undefined;
    if (probe.user !== undefined) {
      ids = await userIds(probe.user);
      if (!ids) return failed('error', `unknown user ${probe.user}`, elapsed());
    }
    const r = await processes.run({
      kind: 'misc-check',
      argv: probe.command,
      timeoutMs: probe.timeoutMs,
      killGraceMs: KILL_GRACE_MS,
      // Reap anything the script left in its group (check_misc.c kills -pid after SIGTERM).
      killGroupOnExit: true,
      signal,
      ...(ids ? { ids } : {}),
    });
    switch (r.kind) {
      case 'exited':
        return miscVerdict(r.exitCode, probe.dynamic, elapsed());
      case 'timed-out':
        return failed('timeout', `no exit within ${probe.timeoutMs} ms`, elapsed());
      case 'signalled':
        return failed('exit', `killed by ${r.signal}`, elapsed());
      case 'failed':
        return failed('error', r.errno, elapsed());
      case 'refused':
        return failed('error', `not run: ${r.refusal.message}`, elapsed());
      default:
        return assertNever(r, 'process result');
    }
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
