/**
 * The only module that loads the native addon (native/build/Release/lvs_native.node). It
 * types the binding and wraps it in the {@link PacketSockets} port, so everything above can
 * use {@link FakePacketSockets} instead.
 */
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { NativeUnavailableError, SyscallError } from './errors.js';

/** An AF_PACKET socket bound to one interface. */
export interface PacketSocket {
  /** Sends a whole Ethernet frame (destination MAC first). */
  send(frame: Uint8Array): void;
  close(): void;
}

/** Opens AF_PACKET sockets: the port in front of the addon. */
export interface PacketSockets {
  open(ifindex: number, protocol: number): PacketSocket;
}

interface Binding {
  openPacket(ifindex: number, protocol: number): number;
  sendFrame(fd: number, frame: Buffer): number;
  close(fd: number): void;
}

function isErrno(e: unknown): e is { errno: number; code: string; syscall: string } {
  return typeof e === 'object' && e !== null && 'errno' in e && 'syscall' in e;
}

function wrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (!isErrno(e)) throw e;
    const name = Object.entries(constants.errno).find(([, n]) => n === e.errno)?.[0] ?? e.code;
    throw new SyscallError(e.syscall, e.errno, name, { cause: e });
  }
}

let loaded: Binding | undefined;

function binding(): Binding {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  // src/net/native.ts and dist/src/net/native.js both sit below the repository root.
  const candidates = ['../../native/build/Release/lvs_native.node', '../../../native/build/Release/lvs_native.node'];
  let lastErr: unknown;
  for (const c of candidates) {
    try {
      loaded = require(new URL(c, import.meta.url).pathname) as Binding;
      return loaded;
    } catch (e) {
      lastErr = e;
    }
  }
  throw new NativeUnavailableError({ cause: lastErr });
}

/** The real adapter: AF_PACKET sockets through the addon. */
export class NativePacketSockets implements PacketSockets {
  open(ifindex: number, protocol: number): PacketSocket {
    const b = binding();
    const fd = wrap(() => b.openPacket(ifindex, protocol));
    let closed = false;
    return {
      send: (frame) => {
        wrap(() => b.sendFrame(fd, Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength)));
      },
      close: () => {
        if (closed) return;
        closed = true;
        wrap(() => b.close(fd));
      },
    };
  }
}
