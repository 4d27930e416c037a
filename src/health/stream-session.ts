/**
 * Adapter: one TCP (or TLS over TCP) conversation of a checker, bounded by a deadline, as
 * keepalived's checkers bound each connection with connect_timeout (layer4.h,
 * tcp_connection_state). Used by the HTTP, SSL, TCP and SMTP checkers.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { Clock } from '../core/index.js';
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

/**
 * An incremental reader of a conversation: a parser that sees each received chunk once and
 * keeps only what it needs, so no conversation holds a whole response (a hostile server may
 * send an endless one).
 */
export interface StreamReader<T> {
  /** Reads the next chunk: the result and how many bytes of `chunk` it used, or undefined for more. */
  take(chunk: Buffer): { readonly value: T; readonly used: number } | undefined;
  /** The peer closed its side before `take` gave a result. */
  end(): T;
}

/** An open conversation. Every method rejects once the deadline has passed. */
export interface StreamSession {
  write(data: string | Uint8Array): void;
  /**
   * Feeds received bytes to `reader` until it gives a result (or the peer closes). Bytes it did
   * not use stay for the next read. Nothing is buffered while no read is under way: the socket
   * is paused, so unread bytes wait in the kernel.
   */
  read<T>(reader: StreamReader<T>): Promise<T>;
  close(): void;
}

/** Connects and resolves once the connection (and the TLS handshake) is up. */
export function openStream(opts: StreamOptions): Promise<StreamSession> {
  const { target, clock, signal } = opts;
  const base = {
    host: target.ip,
    port: target.port,
    ...(target.bindTo !== undefined ? { localAddress: target.bindTo } : {}),
  };
  const socket: net.Socket = opts.tls ? tls.connect({ ...base, ...opts.tls }) : net.connect(base);
  // Chunks received while no read is under way (at most one socket read: the socket is paused).
  const pending: Buffer[] = [];
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  let reading = false;

  const fail = (err: Error) => {
    failure ??= err;
    socket.destroy();
    wake?.();
  };
  const cancelDeadline = clock.setTimer(opts.timeoutMs, () => fail(new DeadlineError('connection')));
  const onAbort = () => fail(new DeadlineError('check'));
  signal.addEventListener('abort', onAbort, { once: true });
  socket.on('data', (d: Buffer) => {
    pending.push(d);
    if (reading) wake?.();
    else socket.pause();
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
    read<T>(reader: StreamReader<T>) {
      return new Promise<T>((resolve, reject) => {
        const settle = (fn: () => void) => {
          wake = undefined;
          reading = false;
          fn();
        };
        const check = () => {
          if (failure) return settle(() => reject(failure));
          try {
            for (let chunk = pending.shift(); chunk; chunk = pending.shift()) {
              const taken = reader.take(chunk);
              if (taken) {
                if (taken.used < chunk.length) pending.unshift(chunk.subarray(taken.used));
                return settle(() => resolve(taken.value));
              }
            }
            if (ended) return settle(() => resolve(reader.end()));
          } catch (err) {
            settle(() => reject(err instanceof Error ? err : new Error(String(err))));
          }
        };
        wake = check;
        reading = true;
        socket.resume();
        check();
      });
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
