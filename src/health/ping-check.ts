/**
 * Adapter: PING_CHECK (keepalived/check/check_ping.c): an ICMP echo over a raw socket, up when
 * the reply arrives within connect_timeout, down on timeout or a destination unreachable. One
 * raw socket per address family serves every probe; replies are matched by id and sequence.
 */
import { randomInt } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Family } from '../api/index.js';
import { failed, type Checker, type CheckerDeps } from './checker.js';
import { HealthCheckerError } from './errors.js';
import { decodeEcho, encodeEchoRequest } from './icmp-echo.js';
import type { CheckResult } from './types.js';

/** The part of the raw-socket package this adapter uses. */
interface RawSocket {
  on(event: 'message', fn: (data: Buffer, source: string) => void): void;
  on(event: 'error', fn: (err: Error) => void): void;
  send(buf: Buffer, offset: number, length: number, address: string, after: (err: Error | null) => void): void;
  close(): void;
}
interface RawSocketModule {
  createSocket(opts: { protocol: number; addressFamily: number }): RawSocket;
  Protocol: { ICMP: number; ICMPv6: number };
  AddressFamily: { IPv4: number; IPv6: number };
}

interface Pending {
  readonly ip: string;
  readonly resolve: (kind: 'reply' | 'unreachable') => void;
}

/** The PING_CHECK checker; `close` releases its raw sockets. */
export interface PingChecker {
  readonly check: Checker<'PING'>;
  close(): void;
}

/** Payload that marks our echoes, as ping's timestamp would. */
const PAYLOAD = Buffer.from('lvs-operator-health-check');

/** The PING_CHECK checker; its raw sockets open on first use. */
export function createPingChecker(deps: CheckerDeps): PingChecker {
  const sockets = new Map<Family, RawSocket>();
  const pending = new Map<number, Pending>();
  // The identifier tells our echoes from other pings of this host (ping uses its pid; a random
  // one also keeps two checker instances of one process apart).
  const id = randomInt(0, 0x10000);
  let seq = 0;

  const socketOf = (family: Family): RawSocket => {
    let socket = sockets.get(family);
    if (socket) return socket;
    const require = createRequire(import.meta.url);
    const raw = require('raw-socket') as RawSocketModule;
    socket = raw.createSocket({
      protocol: family === 4 ? raw.Protocol.ICMP : raw.Protocol.ICMPv6,
      addressFamily: family === 4 ? raw.AddressFamily.IPv4 : raw.AddressFamily.IPv6,
    });
    socket.on('message', (data, source) => {
      const event = decodeEcho(family, data);
      if (!event || event.id !== id) return;
      const waiter = pending.get(event.seq);
      // A reply must come from the target; an unreachable may come from a router on the way.
      if (waiter && (event.kind === 'unreachable' || source === waiter.ip)) waiter.resolve(event.kind);
    });
    socket.on('error', () => {
      sockets.delete(family);
    });
    sockets.set(family, socket);
    return socket;
  };

  const check: Checker<'PING'> = (probe, signal) =>
    new Promise<CheckResult>((resolve) => {
      const started = deps.clock.now();
      const mySeq = (seq = (seq + 1) & 0xffff);
      let cancel = () => {};
      const finish = (result: CheckResult) => {
        pending.delete(mySeq);
        cancel();
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      };
      const onAbort = () => finish(failed('timeout', 'no echo reply', deps.clock.now() - started));
      let socket: RawSocket;
      try {
        socket = socketOf(probe.target.family);
      } catch (err) {
        throw new HealthCheckerError('cannot open a raw ICMP socket (needs CAP_NET_RAW)', { cause: err });
      }
      pending.set(mySeq, {
        ip: probe.target.ip,
        resolve: (kind) =>
          finish(
            kind === 'reply'
              ? { ok: true, latencyMs: deps.clock.now() - started }
              : failed('unreachable', 'destination unreachable', deps.clock.now() - started),
          ),
      });
      cancel = deps.clock.setTimer(probe.timeoutMs, onAbort);
      signal.addEventListener('abort', onAbort, { once: true });
      const msg = encodeEchoRequest(probe.target.family, id, mySeq, PAYLOAD);
      socket.send(msg, 0, msg.length, probe.target.ip, (err) => {
        if (err) finish(failed('unreachable', err.message, deps.clock.now() - started));
      });
    });

  return {
    check,
    close() {
      for (const s of sockets.values()) s.close();
      sockets.clear();
    },
  };
}
