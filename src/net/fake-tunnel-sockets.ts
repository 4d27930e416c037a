import { SyscallError } from './errors.js';
import type { TunnelSocket, TunnelSockets } from './native.js';

/** A packet sent through a fake IPIP socket. */
export interface TunnelSend {
  readonly remote: string;
  readonly inner: Uint8Array;
}

/** In-memory {@link TunnelSockets}: records what is sent; `failOn` injects an errno. */
export class FakeTunnelSockets implements TunnelSockets {
  readonly sent: TunnelSend[] = [];
  failOn: { op: 'open' | 'send'; errnoName: string } | undefined;
  /** Called after each send: tests answer a SYN from here. */
  onSend: ((sent: TunnelSend) => void) | undefined;

  open(): TunnelSocket {
    if (this.failOn?.op === 'open') throw new SyscallError('socket', 1, this.failOn.errnoName);
    let closed = false;
    return {
      send: (remote, inner) => {
        if (closed) throw new SyscallError('sendto', 9, 'EBADF');
        if (this.failOn?.op === 'send') throw new SyscallError('sendto', 101, this.failOn.errnoName);
        const sent = { remote, inner: Uint8Array.from(inner) };
        this.sent.push(sent);
        this.onSend?.(sent);
      },
      close: () => {
        closed = true;
      },
    };
  }
}
