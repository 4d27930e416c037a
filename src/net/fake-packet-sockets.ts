import { SyscallError } from './errors.js';
import type { PacketSocket, PacketSockets } from './native.js';

/** A sent frame as the fake records it. */
export interface SentFrame {
  readonly ifindex: number;
  readonly frame: Uint8Array;
}

/** In-memory {@link PacketSockets}: records frames; `failOn` injects an errno per operation. */
export class FakePacketSockets implements PacketSockets {
  readonly sent: SentFrame[] = [];
  failOn: { op: 'open' | 'send'; errnoName: string } | undefined;
  open(ifindex: number, _protocol: number): PacketSocket {
    if (this.failOn?.op === 'open') throw new SyscallError('socket', 1, this.failOn.errnoName);
    let closed = false;
    return {
      send: (frame) => {
        if (closed) throw new SyscallError('send', 9, 'EBADF');
        if (this.failOn?.op === 'send') throw new SyscallError('send', 100, this.failOn.errnoName);
        this.sent.push({ ifindex, frame: Uint8Array.from(frame) });
      },
      close: () => {
        closed = true;
      },
    };
  }
}
