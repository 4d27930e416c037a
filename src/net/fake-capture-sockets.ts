import { SyscallError } from './errors.js';
import type { CaptureSocket, CaptureSockets } from './native.js';

/** A frame sent through a fake capture socket. */
export interface CapturedSend {
  readonly ifindex: number;
  readonly frame: Uint8Array;
}

/**
 * In-memory {@link CaptureSockets}: records sent frames, hands `deliver`ed frames to the open
 * sockets of an interface (the filter is the caller's business, judged by unit tests of
 * src/net/bpf.ts), and injects an errno per operation with `failOn`.
 */
export class FakeCaptureSockets implements CaptureSockets {
  readonly sent: CapturedSend[] = [];
  readonly opened: { readonly ifindex: number; readonly protocol: number; readonly filter: Uint8Array }[] = [];
  failOn: { op: 'open' | 'send'; errnoName: string } | undefined;
  /** Called after each send: tests answer a SYN from here. */
  onSend: ((sent: CapturedSend) => void) | undefined;
  private readonly open_ = new Map<number, Set<(frame: Uint8Array) => void>>();

  open(ifindex: number, protocol: number, filter: Uint8Array): CaptureSocket {
    if (this.failOn?.op === 'open') throw new SyscallError('socket', 1, this.failOn.errnoName);
    this.opened.push({ ifindex, protocol, filter });
    const listeners: ((frame: Uint8Array) => void)[] = [];
    const deliver = (frame: Uint8Array) => {
      for (const l of listeners) l(frame);
    };
    let set = this.open_.get(ifindex);
    if (!set) this.open_.set(ifindex, (set = new Set()));
    set.add(deliver);
    let closed = false;
    return {
      send: (frame) => {
        if (closed) throw new SyscallError('send', 9, 'EBADF');
        if (this.failOn?.op === 'send') throw new SyscallError('send', 100, this.failOn.errnoName);
        const sent = { ifindex, frame: Uint8Array.from(frame) };
        this.sent.push(sent);
        this.onSend?.(sent);
      },
      onFrame: (listener) => {
        listeners.push(listener);
      },
      close: () => {
        closed = true;
        set.delete(deliver);
      },
    };
  }

  /** Number of sockets open now. */
  get openCount(): number {
    let n = 0;
    for (const s of this.open_.values()) n += s.size;
    return n;
  }

  /** Delivers a received frame to every open socket of the interface. */
  deliver(ifindex: number, frame: Uint8Array): void {
    for (const d of [...(this.open_.get(ifindex) ?? [])]) d(frame);
  }
}
