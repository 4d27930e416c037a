/**
 * Adapter: UDP_CHECK (keepalived/check/check_udp.c): send the payload; an ICMP unreachable
 * means down. Without require_reply, silence until the timeout means up; with it, a reply is
 * needed, within min/max_reply_length and starting with the expected bytes when set.
 */
import { failed, type Checker, type CheckerDeps } from './checker.js';
import { exchangeDatagram } from './datagram-exchange.js';
import { reasonOfError } from './socket-errors.js';

/** The UDP_CHECK checker. */
export function createUdpChecker(deps: CheckerDeps): Checker<'UDP'> {
  return async (probe, signal) => {
    const started = deps.clock.now();
    const outcome = await exchangeDatagram({
      target: probe.target,
      payload: Buffer.from(probe.payloadHex, 'hex'),
      timeoutMs: probe.timeoutMs,
      clock: deps.clock,
      signal,
      accept: () => true,
    });
    const elapsed = deps.clock.now() - started;
    switch (outcome.kind) {
      case 'timeout':
        return probe.requireReply ? failed('timeout', 'no reply', elapsed) : { ok: true, latencyMs: elapsed };
      case 'error': {
        const { reason, detail } = reasonOfError(outcome.error);
        // ECONNREFUSED on a connected UDP socket is the ICMP port unreachable.
        return failed(reason === 'refused' ? 'unreachable' : reason, detail, elapsed);
      }
      case 'reply': {
        const reply = outcome.data;
        if (reply.length < probe.minReplyLength || reply.length > probe.maxReplyLength) {
          return failed('reply', `reply of ${reply.length} bytes`, elapsed);
        }
        if (!reply.subarray(0, probe.replyPrefixHex.length / 2).equals(Buffer.from(probe.replyPrefixHex, 'hex'))) {
          return failed('reply', 'reply does not start with the expected bytes', elapsed);
        }
        return { ok: true, latencyMs: elapsed };
      }
    }
  };
}
