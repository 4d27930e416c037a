/**
 * Adapter: send one datagram on a connected UDP socket and wait for an accepted reply, an
 * error (an ICMP port unreachable arrives as ECONNREFUSED on a connected socket), or the
 * deadline. Used by DNS_CHECK and UDP_CHECK (check_dns.c, check_udp.c).
 */
import dgram from 'node:dgram';
import type { Clock } from '../core/index.js';
import type { ProbeTarget } from './types.js';

/** How a datagram exchange ended. */
export type DatagramOutcome =
  | { readonly kind: 'reply'; readonly data: Buffer }
  | { readonly kind: 'error'; readonly error: unknown }
  | { readonly kind: 'timeout' };

/** What to send where, and which reply to accept. */
export interface DatagramOptions {
  readonly target: ProbeTarget;
  readonly payload: Uint8Array;
  readonly timeoutMs: number;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  /** True for a reply that answers this request; others are ignored (check_dns.c matches the id). */
  readonly accept: (data: Buffer) => boolean;
}

/** Sends the payload and resolves with the first accepted reply, an error, or a timeout. */
export function exchangeDatagram(opts: DatagramOptions): Promise<DatagramOutcome> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket(opts.target.family === 6 ? 'udp6' : 'udp4');
    let done = false;
    const finish = (outcome: DatagramOutcome) => {
      if (done) return;
      done = true;
      cancel();
      opts.signal.removeEventListener('abort', onAbort);
      try {
        socket.close();
      } catch {
        // Already closed by an error: nothing to release.
      }
      resolve(outcome);
    };
    const cancel = opts.clock.setTimer(opts.timeoutMs, () => finish({ kind: 'timeout' }));
    const onAbort = () => finish({ kind: 'timeout' });
    opts.signal.addEventListener('abort', onAbort, { once: true });
    socket.on('error', (error) => finish({ kind: 'error', error }));
    socket.on('message', (data) => {
      if (opts.accept(data)) finish({ kind: 'reply', data });
    });
    const send = () =>
      socket.connect(opts.target.port, opts.target.ip, () => {
        socket.send(opts.payload, (err) => {
          if (err) finish({ kind: 'error', error: err });
        });
      });
    if (opts.target.bindTo !== undefined) socket.bind({ address: opts.target.bindTo, port: 0 }, send);
    else send();
  });
}
