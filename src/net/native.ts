/**
 * The only module that loads the native addon (native/build/Release/lvs_native.node). It
 * types the binding and wraps it in the {@link PacketSockets} port, so everything above can
 * use {@link FakePacketSockets} instead.
 */
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { NativeUnavailableError, SyscallError } from './errors.js';
import { formatIp, parseIP } from './ip-codec.js';

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

/** An AF_PACKET socket with a kernel filter that also receives the frames it lets through. */
export interface CaptureSocket {
  /** Sends a whole Ethernet frame (destination MAC first). */
  send(frame: Uint8Array): void;
  /** Called with each received frame (at most the filter's snap length). */
  onFrame(listener: (frame: Uint8Array) => void): void;
  close(): void;
}

/** Opens capturing AF_PACKET sockets: the port in front of the addon's filter and receive path. */
export interface CaptureSockets {
  /** `filter` is an encoded classic BPF program (src/net/bpf.ts `encodeBpf`). */
  open(ifindex: number, protocol: number, filter: Uint8Array): CaptureSocket;
}

/** A raw IPPROTO_IPIP socket: the kernel adds the outer IPv4 header to what is sent. */
export interface TunnelSocket {
  /** Sends `inner` (a whole IPv4 packet) to `remote` inside IPIP (RFC 2003). */
  send(remote: string, inner: Uint8Array): void;
  close(): void;
}

/** Opens IPIP sockets: the port in front of the addon's raw sendto. */
export interface TunnelSockets {
  open(): TunnelSocket;
}

/** What the kernel reported with a received datagram. */
export interface RecvMeta {
  readonly source: string;
  /** IP[V6]_PKTINFO destination, when the socket asked for it. */
  readonly destination?: string;
  /** TTL / hop limit (IP_RECVTTL / IPV6_RECVHOPLIMIT), when the socket asked for it. */
  readonly ttl?: number;
  readonly ifindex: number;
}

/** A raw IP socket that reports ancillary data (what raw-socket's recvfrom cannot). */
export interface RawIpSocket {
  setOption(level: number, name: number, value: Uint8Array): void;
  onMessage(listener: (data: Uint8Array, meta: RecvMeta) => void): void;
  close(): void;
}

/** Opens raw IP sockets: the port in front of the addon's recvmsg path. */
export interface RawIpSockets {
  open(family: 4 | 6, protocol: number): RawIpSocket;
}

interface Binding {
  openPacket(ifindex: number, protocol: number): number;
  sendFrame(fd: number, frame: Buffer): number;
  close(fd: number): void;
  openRaw(family: number, protocol: number): number;
  setOption(fd: number, level: number, name: number, value: Buffer): void;
  recvMessage(fd: number, data: Buffer, meta: Buffer): number;
  watch(fd: number, onReadable: () => void): object;
  unwatch(handle: object): void;
  attachFilter(fd: number, program: Buffer): void;
  recvFrame(fd: number, data: Buffer): number;
  sendTo(fd: number, data: Buffer, address: Buffer): number;
}

const AF_INET = 2;
const AF_INET6 = 10;
const META_LEN = 40;

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

/** Runs `setUp` on a new `fd`, closing the fd when it throws. */
function setUpOrClose(b: Binding, fd: number, setUp: () => void): void {
  try {
    setUp();
  } catch (e) {
    b.close(fd);
    throw e;
  }
}

/**
 * Reads `fd` on readiness: `recv` reads one datagram into the socket's buffers (its length, or
 * -1 when none is left) and `deliver` hands it on. Returns the watch handle.
 */
function onReadable(b: Binding, fd: number, recv: () => number, deliver: (n: number) => void): object {
  const drain = (): void => {
    for (;;) {
      let n: number;
      try {
        n = recv();
      } catch {
        // A receive error loses this datagram; the poll fires again for the next one.
        return;
      }
      if (n < 0) return;
      deliver(n);
    }
  };
  return wrap(() => b.watch(fd, drain));
}

/** The one owner of an open fd: it closes it once, stopping its watch first. */
class OwnedFd {
  private closed = false;

  constructor(
    private readonly b: Binding,
    readonly fd: number,
    private readonly watch?: object,
  ) {}

  /** Throws EBADF once closed: after close the fd number may already belong to another socket. */
  assertOpen(syscall: string): void {
    if (this.closed) throw new SyscallError(syscall, constants.errno.EBADF, 'EBADF');
  }

  /** Closes the fd; later calls do nothing. */
  readonly close = (): void => {
    if (this.closed) return;
    this.closed = true;
    if (this.watch) this.b.unwatch(this.watch);
    wrap(() => this.b.close(this.fd));
  };
}

/** The real adapter: AF_PACKET sockets through the addon. */
export class NativePacketSockets implements PacketSockets {
  open(ifindex: number, protocol: number): PacketSocket {
    const b = binding();
    const fd = wrap(() => b.openPacket(ifindex, protocol));
    return {
      send: (frame) => {
        wrap(() => b.sendFrame(fd, Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength)));
      },
      close: new OwnedFd(b, fd).close,
    };
  }
}

/** The real {@link RawIpSockets}: non-blocking raw sockets, read on readiness with recvmsg. */
export class NativeRawIpSockets implements RawIpSockets {
  open(family: 4 | 6, protocol: number): RawIpSocket {
    const b = binding();
    const fd = wrap(() => b.openRaw(family === 4 ? AF_INET : AF_INET6, protocol));
    const listeners: ((data: Uint8Array, meta: RecvMeta) => void)[] = [];
    const data = Buffer.alloc(4096);
    const meta = Buffer.alloc(META_LEN);
    const alen = family === 4 ? 4 : 16;
    const deliver = (n: number): void => {
      const ttl = meta.readInt32LE(32);
      const dst = meta.subarray(16, 16 + alen);
      const m: RecvMeta = {
        source: formatIp(Uint8Array.from(meta.subarray(0, alen))),
        ...(dst.some((x) => x !== 0) ? { destination: formatIp(Uint8Array.from(dst)) } : {}),
        ...(ttl >= 0 ? { ttl } : {}),
        ifindex: meta.readInt32LE(36),
      };
      const copy = Uint8Array.from(data.subarray(0, n));
      for (const l of listeners) l(copy, m);
    };
    const owned = new OwnedFd(
      b,
      fd,
      onReadable(b, fd, () => b.recvMessage(fd, data, meta), deliver),
    );
    return {
      setOption: (level, name, value) => {
        wrap(() => b.setOption(fd, level, name, Buffer.from(value)));
      },
      onMessage: (listener) => {
        listeners.push(listener);
      },
      close: owned.close,
    };
  }
}

/** The real {@link CaptureSockets}: filtered AF_PACKET sockets read on readiness. */
export class NativeCaptureSockets implements CaptureSockets {
  open(ifindex: number, protocol: number, filter: Uint8Array): CaptureSocket {
    const b = binding();
    const data = Buffer.alloc(2048);
    const listeners: ((frame: Uint8Array) => void)[] = [];
    const fd = wrap(() => b.openPacket(ifindex, protocol));
    setUpOrClose(b, fd, () => {
      wrap(() => b.attachFilter(fd, Buffer.from(filter)));
      // Frames queued between bind() and the filter were never filtered: discard them.
      while (wrap(() => b.recvFrame(fd, data)) >= 0);
    });
    const deliver = (n: number): void => {
      const copy = Uint8Array.from(data.subarray(0, n));
      for (const l of listeners) l(copy);
    };
    const owned = new OwnedFd(
      b,
      fd,
      onReadable(b, fd, () => b.recvFrame(fd, data), deliver),
    );
    return {
      send: (frame) => {
        owned.assertOpen('send');
        wrap(() => b.sendFrame(fd, Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength)));
      },
      onFrame: (listener) => {
        listeners.push(listener);
      },
      close: owned.close,
    };
  }
}

/** IPPROTO_IPIP (include/uapi/linux/in.h). */
const IPPROTO_IPIP = 4;
const SOL_SOCKET = 1;
const SO_RCVBUF = 8;

/**
 * The real {@link TunnelSockets}: socket(AF_INET, SOCK_RAW, IPPROTO_IPIP) without IP_HDRINCL,
 * so sendto() adds the outer header, routed as any packet to the remote. The socket also
 * receives every incoming IPIP packet; it is never read, so its receive buffer is set to the
 * kernel's minimum and the rest is dropped there.
 */
export class NativeTunnelSockets implements TunnelSockets {
  open(): TunnelSocket {
    const b = binding();
    const fd = wrap(() => b.openRaw(AF_INET, IPPROTO_IPIP));
    setUpOrClose(b, fd, () => wrap(() => b.setOption(fd, SOL_SOCKET, SO_RCVBUF, Buffer.alloc(4))));
    const owned = new OwnedFd(b, fd);
    return {
      send: (remote, inner) => {
        owned.assertOpen('sendto');
        const address = parseIP(remote)?.bytes;
        if (address?.length !== 4) throw new RangeError(`an IPIP remote must be IPv4: ${remote}`);
        wrap(() => b.sendTo(fd, Buffer.from(inner.buffer, inner.byteOffset, inner.byteLength), Buffer.from(address)));
      },
      close: owned.close,
    };
  }
}
