import { constants } from 'node:os';
import { RawNetlinkSocket } from 'netlink';
import type { Logger } from '../core/index.js';
import * as K from './constants.js';
import { IpvsError, IpvsTransportError, type IpvsObject, type IpvsOperation } from './errors.js';
import { MessageWriter, errorOf, parseMessages, type NetlinkMessage } from './netlink-wire.js';
import type { RequestHeader } from './requests.js';

/**
 * What a channel needs from a netlink socket: the seam where tests put a scripted kernel.
 * `send` hands one buffer (one or many messages) to one sendmsg.
 */
export interface NetlinkTransport {
  readonly port: number;
  send(bytes: Buffer, done: (err?: { errno: number; message: string }) => void): void;
  onDatagram(fn: (data: Buffer) => void): void;
  onFailure(fn: (errno: number, message: string) => void): void;
  close(): void;
}

// The kernel sizes dump datagrams to the largest buffer recvmsg was given (netlink_recvmsg
// records it in max_recvmsg_len, netlink_dump allocates that much), so a fixed 16 KiB buffer
// is never too small; errors for batched requests echo one request, far below that. The
// buffer is allocated and cleared for every read, so bigger is slower.
const RECV_BUFFER_BYTES = 16 * 1024;

/** A NETLINK_GENERIC socket from the `netlink` package as a NetlinkTransport. */
export function openGenericSocket(bufferBytes: number): NetlinkTransport {
  const socket = new RawNetlinkSocket(K.NETLINK_GENERIC, {
    messagePeeking: false,
    msgBufferSize: RECV_BUFFER_BYTES,
    recvBufferSize: bufferBytes,
    sendBufferSize: bufferBytes,
  });
  return {
    port: socket.address().port,
    send: (bytes, done) =>
      socket.send(bytes, {}, (err) => done(err ? { errno: err.errno, message: err.message } : undefined)),
    onDatagram: (fn) => socket.on('message', (data) => fn(data)),
    onFailure: (fn) => {
      socket.on('truncatedMessage', () => fn(constants.errno.EMSGSIZE, 'reply truncated'));
      socket.on('error', (err) => fn(err.errno, err.message));
    },
    close: () => socket.close(),
  };
}

/** A request in flight: answers are collected until its last message is answered. */
export interface Exchange {
  /** When the request is given up (performance.now() milliseconds). */
  readonly deadline: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly op: IpvsOperation;
  /** Data messages of a dump or a "get" reply. */
  readonly messages: NetlinkMessage[];
  /** Errors by sequence number, for batched writes. */
  readonly errors: Map<number, number>;
  done(err?: Error): void;
}

/**
 * One netlink socket with its sequence numbers and the requests waiting on it. A reply is
 * matched to its request by sequence number; NLMSG_DONE ends a dump, and the NLMSG_ERROR of a
 * request's last message (an acknowledgement or an errno) ends everything else.
 */
export class NetlinkChannel {
  family = 0;
  private seq = Math.floor(Math.random() * 0x7fffffff);
  private readonly pending = new Map<number, Exchange>();
  private closed = false;

  constructor(
    private readonly transport: NetlinkTransport,
    private readonly log: Logger,
    private readonly timeoutMs: number,
  ) {
    transport.onDatagram((data) => this.receive(data));
    transport.onFailure((errno, message) => this.failAll(errno, message));
  }

  /** The next request header, with a fresh sequence number. */
  header(flags: number): RequestHeader {
    this.seq = (this.seq + 1) >>> 0 || 1;
    return { family: this.family, seq: this.seq, port: this.transport.port, flags };
  }

  private receive(data: Buffer): void {
    let msgs: NetlinkMessage[];
    try {
      msgs = parseMessages(data);
    } catch (err) {
      this.failAll(0, 'undecodable datagram', err);
      return;
    }
    for (const m of msgs) {
      const p = this.findPending(m.seq);
      if (!p) {
        this.log.debug({ seq: m.seq, type: m.type }, 'netlink message without request');
        continue;
      }
      if (m.type === K.NLMSG_ERROR) {
        let errno: number;
        try {
          errno = errorOf(m);
        } catch (err) {
          this.finish(p, err as Error);
          continue;
        }
        if (errno !== 0) p.errors.set(m.seq, errno);
        if (m.seq === p.lastSeq) this.finish(p);
      } else if (m.type === K.NLMSG_DONE) {
        this.finish(p);
      } else {
        // Dump parts (NLM_F_MULTI until NLMSG_DONE) or a "get" reply before its acknowledgement.
        p.messages.push(m);
      }
    }
  }

  private findPending(seq: number): Exchange | undefined {
    const direct = this.pending.get(seq);
    if (direct) return direct;
    for (const p of this.pending.values()) {
      if (seq >= p.firstSeq && seq <= p.lastSeq) return p;
    }
    return undefined;
  }

  private finish(p: Exchange, err?: Error): void {
    this.pending.delete(p.lastSeq);
    p.done(err);
  }

  private failAll(errno: number, message: string, cause?: unknown): void {
    this.log.warn({ errno }, 'ipvs netlink socket failed');
    for (const p of [...this.pending.values()]) {
      this.finish(p, new IpvsTransportError(p.op, errno, message, { cause }));
    }
  }

  private watchdog: NodeJS.Timeout | undefined;

  /**
   * One timer per channel, not one per request (a dump of 10,000 services is 10,000
   * requests): while requests wait, it fails those past their deadline.
   */
  private watch(): void {
    if (this.watchdog) return;
    const tick = Math.max(10, Math.min(1000, this.timeoutMs / 4));
    this.watchdog = setInterval(() => {
      const now = performance.now();
      for (const p of [...this.pending.values()]) {
        if (p.deadline <= now) {
          this.finish(p, new IpvsTransportError(p.op, constants.errno.ETIMEDOUT, `no answer in ${this.timeoutMs} ms`));
        }
      }
      if (this.pending.size === 0) {
        clearInterval(this.watchdog);
        this.watchdog = undefined;
      }
    }, tick);
  }

  /** Sends bytes holding requests firstSeq..lastSeq and waits for the last one's answer. */
  exchange(bytes: Buffer, firstSeq: number, lastSeq: number, op: IpvsOperation): Promise<Exchange> {
    if (this.closed) return Promise.reject(new IpvsTransportError(op, constants.errno.EBADF, 'client closed'));
    return new Promise((resolve, reject) => {
      const p: Exchange = {
        deadline: performance.now() + this.timeoutMs,
        firstSeq,
        lastSeq,
        op,
        messages: [],
        errors: new Map(),
        done: (err) => {
          if (err) reject(err);
          else resolve(p);
        },
      };
      this.pending.set(lastSeq, p);
      this.watch();
      this.transport.send(bytes, (err) => {
        if (err) this.finish(p, new IpvsTransportError(op, err.errno, `sendmsg: ${err.message}`));
      });
    });
  }

  /** One request, answered by an acknowledgement (and for "get" commands, data before it). */
  async request(
    op: IpvsOperation,
    write: (w: MessageWriter, h: RequestHeader) => void,
    flags: number,
    object: IpvsObject = {},
  ): Promise<NetlinkMessage[]> {
    const w = new MessageWriter(256);
    const h = this.header(flags);
    write(w, h);
    const p = await this.exchange(w.take(), h.seq, h.seq, op);
    const errno = p.errors.get(h.seq);
    if (errno !== undefined) throw new IpvsError(op, errno, object);
    return p.messages;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.watchdog) clearInterval(this.watchdog);
    for (const p of [...this.pending.values()]) {
      this.finish(p, new IpvsTransportError(p.op, constants.errno.EBADF, 'client closed'));
    }
    this.transport.close();
  }
}
