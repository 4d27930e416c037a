/**
 * Adapter: TCP_CHECK (keepalived/check/check_tcp.c): up when a connection is established
 * within connect_timeout; the connection is closed at once.
 */
import { failed, type Checker, type CheckerDeps } from './checker.js';
import { reasonOfError } from './socket-errors.js';
import { openStream } from './stream-session.js';

/** The TCP_CHECK checker. */
export function createTcpChecker(deps: CheckerDeps): Checker<'TCP'> {
  return async (probe, signal) => {
    const started = deps.clock.now();
    try {
      const session = await openStream({ target: probe.target, timeoutMs: probe.timeoutMs, clock: deps.clock, signal });
      session.close();
      return { ok: true, latencyMs: deps.clock.now() - started };
    } catch (err) {
      const { reason, detail } = reasonOfError(err);
      return failed(reason, detail, deps.clock.now() - started);
    }
  };
}
