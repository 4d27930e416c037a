/**
 * Adapter: DNS_CHECK (keepalived/check/check_dns.c): a recursion-desired query of `type` for
 * `name` over UDP. keepalived accepts any response with rcode 0; the API documents that an
 * answer is required, so an empty answer section is a failure too (reason `no-answer`).
 */
import { randomInt } from 'node:crypto';
import dnsPacket from 'dns-packet';
import { failed, type Checker, type CheckerDeps } from './checker.js';
import { exchangeDatagram } from './datagram-exchange.js';
import { reasonOfError } from './socket-errors.js';

/** The DNS_CHECK checker. */
export function createDnsChecker(deps: CheckerDeps): Checker<'DNS'> {
  return async (probe, signal) => {
    const started = deps.clock.now();
    const id = randomInt(0, 65536);
    const query = dnsPacket.encode({
      type: 'query',
      id,
      flags: dnsPacket.RECURSION_DESIRED,
      questions: [{ type: probe.queryType, name: probe.name, class: 'IN' }],
    });
    const outcome = await exchangeDatagram({
      target: probe.target,
      payload: query,
      timeoutMs: probe.timeoutMs,
      clock: deps.clock,
      signal,
      // check_dns.c ignores responses whose id differs and queries (QR clear).
      accept: (data) => data.length >= 12 && data.readUInt16BE(0) === id && (data[2] ?? 0) >= 0x80,
    });
    const elapsed = deps.clock.now() - started;
    if (outcome.kind === 'timeout') return failed('timeout', 'no response', elapsed);
    if (outcome.kind === 'error') {
      const { reason, detail } = reasonOfError(outcome.error);
      return failed(reason === 'refused' ? 'unreachable' : reason, detail, elapsed);
    }
    let answers: number;
    let rcode: number;
    try {
      const decoded = dnsPacket.decode(outcome.data);
      rcode = (decoded.flags ?? 0) & 0x0f;
      answers = decoded.answers?.length ?? 0;
    } catch (err) {
      return failed('protocol', `undecodable response: ${reasonOfError(err).detail}`, elapsed);
    }
    if (rcode !== 0) return failed('dns-error', `rcode ${rcode}`, elapsed);
    if (answers === 0) return failed('no-answer', `no ${probe.queryType} answer for ${probe.name}`, elapsed);
    return { ok: true, latencyMs: elapsed };
  };
}
