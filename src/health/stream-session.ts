/**
 * Adapter: one TCP (or TLS over TCP) conversation of a checker, bounded by a deadline, as
 * keepalived's checkers bound each connection with connect_timeout (layer4.h,
 * tcp_connection_state). Used by the HTTP, SSL, TCP and SMTP checkers.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { Clock } from '../core/clock.js';
import type { ProbeTarget } from './types.js';

/** Raised inside a session when its deadline passes; mapped to reason `timeout`. */
export class DeadlineError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(what: string) {
    super(`${what} timed out`);
  }
}

/** Where to connect, how long the conversation may last, and TLS. */
export interface StreamOptions {
  readonly target: ProbeTarget;
  readonly timeoutMs: number;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  /** TLS options; absent for plain TCP. */
  readonly tls?: tls.ConnectionOptions;
}

/** An open conversation. Every method rejects once the deadline has passed. */
export interface StreamSession {
  write(data: string | Uint8Array): void;
  /**
   * Waits until `complete(received, ended)` is true (or the peer closes), then returns every
   * byte received so far. Past `maxBytes` it rejects.
   */
  read(complete: (received: Buffer, ended: boolean) => boolean, maxBytes?: number): Promise<Buffer>;
  /** Consumes `n` bytes of what has been received. */
  consume(n: number): void;
  close(): void;
}

const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;

/** Connects and resolves once the connection (and the TLS handshake) is up. */
export function openStream(opts: StreamOptions): Promise<StreamSession> {
  const { target, clock, signal } = opts;
  const base = {
    host: target.ip,
    port: target.port,
    ...(target.bindTo !== undefined ? { localAddress: target.bindTo } : {}),
  };
  const socket: net.Socket = opts.tls ? tls.connect({ ...base, ...opts.tls }) : net.connect(base);
  let chunks: Buffer[] = [];
  let size = 0;
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;

  const fail = (err: Error) => {
    failure ??= err;
    socket.destroy();
    wake?.();
  };
  const cancelDeadline = clock.setTimer(opts.timeoutMs, () => fail(new DeadlineError('connection')));
  const onAbort = () => fail(new DeadlineError('check'));
  signal.addEventListener('abort', onAbort, { once: true });
  socket.on('data', (d: Buffer) => {
    chunks.push(d);
    size += d.length;
    wake?.();
  });
  socket.on('end', () => {
    ended = true;
    wake?.();
  });
  socket.on('close', () => {
    ended = true;
    wake?.();
  });
  socket.on('error', (err) => fail(err));

  const cleanup = () => {
    cancelDeadline();
    signal.removeEventListener('abort', onAbort);
    socket.destroy();
  };

  const session: StreamSession = {
    write(data) {
      if (!failure) socket.write(data);
    },
    read(complete, maxBytes = DEFAULT_MAX_BYTES) {
      return new Promise<Buffer>((resolve, reject) => {
        const check = () => {
          const received = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
          chunks = size > 0 ? [received] : [];
          if (failure) return settle(() => reject(failure));
          if (size > maxBytes) return settle(() => reject(new Error(`response larger than ${maxBytes} bytes`)));
          if (complete(received, ended) || ended) return settle(() => resolve(received));
        };
        const settle = (fn: () => void) => {
          wake = undefined;
          fn();
        };
        wake = check;
        check();
      });
    },
    consume(n) {
      const all = Buffer.concat(chunks, size);
      const rest = all.subarray(n);
      chunks = rest.length > 0 ? [rest] : [];
      size = rest.length;
    },
    close: cleanup,
  };

  return new Promise<StreamSession>((resolve, reject) => {
    const connected = opts.tls ? 'secureConnect' : 'connect';
    const onError = () => {
      cleanup();
      reject(failure ?? new Error('connection closed'));
    };
    if (failure) return onError();
    wake = onError;
    socket.once(connected, () => {
      wake = undefined;
      if (failure) return onError();
      resolve(session);
    });
  });
}
