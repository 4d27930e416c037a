/**
 * Adapter: SMTP_CHECK (keepalived/check/check_smtp.c, smtp_engine_thread): read the 220
 * greeting, send HELO (or EHLO) helo_name and expect 250, send QUIT and read its reply. Any
 * other greeting or HELO reply is a failure.
 */
import { failed, type Checker, type CheckerDeps } from './checker.js';
import { reasonOfError } from './socket-errors.js';
import { openStream, type StreamSession } from './stream-session.js';

/** The SMTP_CHECK checker. */
export function createSmtpChecker(deps: CheckerDeps): Checker<'SMTP'> {
  return async (probe, signal) => {
    const started = deps.clock.now();
    const elapsed = () => deps.clock.now() - started;
    let session: StreamSession | undefined;
    try {
      session = await openStream({ target: probe.target, timeoutMs: probe.timeoutMs, clock: deps.clock, signal });
      const greeting = await readReply(session);
      if (greeting !== 220) return failed('protocol', `greeting ${greeting}`, elapsed());
      session.write(`${probe.greeting} ${probe.heloName}\r\n`);
      const helo = await readReply(session);
      if (helo !== 250) return failed('protocol', `${probe.greeting} reply ${helo}`, elapsed());
      session.write('QUIT\r\n');
      // check_smtp.c waits for the reply to QUIT (any code) before declaring success.
      if ((await readReply(session)) === 0) return failed('protocol', 'no reply to QUIT', elapsed());
      return { ok: true, latencyMs: elapsed() };
    } catch (err) {
      const { reason, detail } = reasonOfError(err);
      return failed(reason, detail, elapsed());
    } finally {
      session?.close();
    }
  };
}

/** The code of the next complete reply (RFC 5321 section 4.2: "250-" continues, "250 " ends). */
async function readReply(session: StreamSession): Promise<number> {
  let end = -1;
  const received = await session.read((buf) => {
    end = lastLineEnd(buf);
    return end >= 0;
  }, 64 * 1024);
  if (end < 0) return 0;
  session.consume(end);
  return Number(
    received
      .subarray(0, end)
      .toString('latin1')
      .match(/(?:^|\r\n)([0-9]{3})(?: [^\r\n]*)?\r\n$/)?.[1] ?? 0,
  );
}

/** Offset just past the final line of a reply ("NNN " line), or -1 while incomplete. */
function lastLineEnd(buf: Buffer): number {
  let at = 0;
  for (;;) {
    const eol = buf.indexOf('\r\n', at);
    if (eol < 0) return -1;
    if (buf[at + 3] !== 0x2d /* '-' */) return eol + 2;
    at = eol + 2;
  }
}
