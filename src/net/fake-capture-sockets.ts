import { endianness } from 'node:os';
import { decodeBpf, runBpf, type BpfInsn } from './bpf.js';
import { SyscallError } from './errors.js';
import type { CaptureSocket, CaptureSockets } from './native.js';

/** A frame sent through a fake capture socket. */
export interface CapturedSend {
  readonly ifindex: number;
  readonly frame: Uint8Array;
}

/** PACKET_HOST (include/uapi/linux/if_packet.h): a frame addressed to this host. */
const PACKET_HOST = 0;

interface OpenSocket {
  readonly program: readonly BpfInsn[];
  readonly listeners: ((frame: Uint8Array) => void)[];
}

/**
 * In-memory {@link CaptureSockets} with the kernel's semantics: `deliver`ed frames reach the
 * open sockets of the interface through each socket's BPF program (src/net/bpf.ts `runBpf`),
 * cut to its snap length; a socket never receives what it sent itself. Records sent frames and
 * injects an errno per operation with `failOn`.
 */
export class FakeCaptureSockets implements CaptureSockets {
  readonly sent: CapturedSend[] = [];
  readonly opened: { readonly ifindex: number; readonly protocol: number; readonly filter: Uint8Array }[] = [];
  failOn: { op: 'open' | 'send'; errnoName: string } | undefined;
  /** Called after each send: tests answer a SYN from here. */
  onSend: ((sent: CapturedSend) => void) | undefined;
  private readonly sockets = new Map<number, Set<OpenSocket>>();

  constructor(private readonly littleEndian = endianness() === 'LE') {}

  open(ifindex: number, protocol: number, filter: Uint8Array): CaptureSocket {
    if (this.failOn?.op === 'open') throw new SyscallError('socket', 1, this.failOn.errnoName);
    this.opened.push({ ifindex, protocol, filter });
    const socket: OpenSocket = { program: decodeBpf(filter, this.littleEndian), listeners: [] };
    let set = this.sockets.get(ifindex);
    if (!set) this.sockets.set(ifindex, (set = new Set()));
    set.add(socket);
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
        socket.listeners.push(listener);
      },
      close: () => {
        closed = true;
        set.delete(socket);
      },
    };
  }

  /** Number of sockets open now. */
  get openCount(): number {
    let n = 0;
    for (const s of this.sockets.values()) n += s.size;
    return n;
  }

  /** A frame arrives on the interface: every open socket whose filter keeps it receives it. */
  deliver(ifindex: number, frame: Uint8Array, pktType = PACKET_HOST): void {
    for (const socket of [...(this.sockets.get(ifindex) ?? [])]) {
      const kept = runBpf(socket.program, frame, pktType);
      if (kept === 0) continue;
      const copy = Uint8Array.from(frame.subarray(0, kept));
      for (const l of socket.listeners) l(copy);
    }
  }
}
