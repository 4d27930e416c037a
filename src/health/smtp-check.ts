/**
 * Adapter: SMTP_CHECK (keepalived/check/check_smtp.c, smtp_engine_thread): read the 220
 * greeting, send HELO (or EHLO) helo_name and expect 250, send QUIT and read its reply. Any
 * other greeting or HELO reply is a failure.
 */
import { failed, type Checker, type CheckerDeps } from './checker.js';
import { reasonOfError } from './socket-errors.js';
import { SmtpReplyReader } from './smtp-reply.js';
import { openStream, type StreamSession } from './stream-session.js';

/** The SMTP_CHECK checker. */
export function createSmtpChecker(deps: CheckerDeps): Checker<'SMTP'> {
  return async (probe, signal) => {
    const started = deps.clock.now();
    const elapsed = () => deps.clock.now() - started;
    let session: StreamSession | undefined;
    try {
      session = await openStream({ target: probe.target, timeoutMs: probe.timeoutMs, clock: deps.clock, signal });
      const greeting = await session.read(new SmtpReplyReader());
      if (greeting.kind === 'invalid') return failed('protocol', `greeting: ${greeting.detail}`, elapsed());
      if (greeting.code !== 220) return failed('protocol', `greeting ${greeting.code}`, elapsed());
      session.write(`${probe.greeting} ${probe.heloName}\r\n`);
      const helo = await session.read(new SmtpReplyReader());
      if (helo.kind === 'invalid') return failed('protocol', `${probe.greeting} reply: ${helo.detail}`, elapsed());
      if (helo.code !== 250) return failed('protocol', `${probe.greeting} reply ${helo.code}`, elapsed());
      session.write('QUIT\r\n');
      // check_smtp.c waits for the reply to QUIT (any code) before declaring success.
      const quit = await session.read(new SmtpReplyReader());
      if (quit.kind === 'invalid') return failed('protocol', `QUIT reply: ${quit.detail}`, elapsed());
      if (quit.code === 0) return failed('protocol', 'no reply to QUIT', elapsed());
      return { ok: true, latencyMs: elapsed() };
    } catch (err) {
      const { reason, detail } = reasonOfError(err);
      return failed(reason, detail, elapsed());
    } finally {
      session?.close();
    }
  };
}
