import { openFakeSocket, type InjectedFailure } from './fake-socket-faults.js';
import type { PacketSocket, PacketSockets } from './native.js';

/** A sent frame as the fake records it. */
export interface SentFrame {
  readonly ifindex: number;
  readonly frame: Uint8Array;
}

/** In-memory {@link PacketSockets}: records frames; `failOn` injects an errno per operation. */
export class FakePacketSockets implements PacketSockets {
  readonly sent: SentFrame[] = [];
  failOn: InjectedFailure | undefined;
  open(ifindex: number, _protocol: number): PacketSocket {
    const socket = openFakeSocket(() => this.failOn, { syscall: 'send', errno: 100 });
    return {
      send: (frame) => {
        socket.beforeSend();
        this.sent.push({ ifindex, frame: Uint8Array.from(frame) });
      },
      close: socket.close,
    };
  }
}
