import { openFakeSocket, type InjectedFailure } from './fake-socket-faults.js';
import type { TunnelSocket, TunnelSockets } from './native.js';

/** A packet sent through a fake IPIP socket. */
export interface TunnelSend {
  readonly remote: string;
  readonly inner: Uint8Array;
}

/** In-memory {@link TunnelSockets}: records what is sent; `failOn` injects an errno. */
export class FakeTunnelSockets implements TunnelSockets {
  readonly sent: TunnelSend[] = [];
  failOn: InjectedFailure | undefined;
  /** Called after each send: tests answer a SYN from here. */
  onSend: ((sent: TunnelSend) => void) | undefined;

  open(): TunnelSocket {
    const socket = openFakeSocket(() => this.failOn, { syscall: 'sendto', errno: 101 });
    return {
      send: (remote, inner) => {
        socket.beforeSend();
        const sent = { remote, inner: Uint8Array.from(inner) };
        this.sent.push(sent);
        this.onSend?.(sent);
      },
      close: socket.close,
    };
  }
}
