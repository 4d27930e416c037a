import { RawNetlinkSocket } from 'netlink';
import type { Logger } from '../core/logger.js';
import * as K from './constants.js';
import { decodeDaemon, decodeInfo, decodeObservedDestination, decodeObservedService, decodeTimeouts } from './codec.js';
import type { OpResult, IpvsClient } from './client.js';
import {
  IpvsDecodeError,
  IpvsError,
  IpvsInvalidObjectError,
  IpvsTransportError,
  IpvsUnavailableError,
  objectOf,
  type IpvsObject,
  type IpvsOperation,
} from './errors.js';
import { MessageWriter, errorOf, parseAttrs, parseGenl, parseMessages, type NetlinkMessage } from './netlink-wire.js';
import {
  decodeFamilyReply,
  writeBare,
  writeDumpDestinations,
  writeOp,
  writeResolveFamily,
  writeSetTimeouts,
  writeStartDaemon,
  writeStopDaemon,
  writeZero,
  type RequestHeader,
} from './requests.js';
import type {
  ObservedDestination,
  ObservedService,
  Op,
  ServiceKey,
  SyncDaemon,
  Timeouts,
  ZeroTarget,
} from './types.js';
import { constants } from 'node:os';

/** Options of {@link createNetlinkClient}. */
export interface NetlinkClientOptions {
  readonly log: Logger;
  /** Requested SO_SNDBUF and SO_RCVBUF (the kernel caps them at wmem_max / rmem_max). */
  readonly socketBufferBytes?: number;
  /** Largest batch of requests written in one sendmsg. */
  readonly batchBytes?: number;
  /** How long a request may wait for its answer. */
  readonly timeoutMs?: number;
}

/** A request in flight: answers are collected until its last message is acknowledged. */
interface Pending {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly op: IpvsOperation;
  /** Data messages of a dump or a "get" reply. */
  readonly messages: NetlinkMessage[];
  /** Errors by sequence number, for batched writes. */
  readonly errors: Map<number, number>;
  done(err?: Error): void;
}

// Dump replies are at most 32 KiB per datagram (netlink_dump caps its skb there); errors for
// batched requests echo the request, far below that.
const RECV_BUFFER_BYTES = 64 * 1024;

/**
 * The real IpvsClient over generic netlink. Writes are batched: a run of requests leaves in
 * one sendmsg, only the last asks for an acknowledgement, and the kernel (which handles the
 * messages of one sendmsg in order, netlink_rcv_skb) reports every failure with its sequence
 * number, so one acknowledgement confirms the whole batch. Calls are serialised.
 */
export async function createNetlinkClient(opts: NetlinkClientOptions): Promise<IpvsClient> {
  const bufBytes = opts.socketBufferBytes ?? 8 * 1024 * 1024;
  const socket = new RawNetlinkSocket(K.NETLINK_GENERIC, {
    messagePeeking: false,
    msgBufferSize: RECV_BUFFER_BYTES,
    recvBufferSize: bufBytes,
    sendBufferSize: bufBytes,
  });
  const client = new NetlinkIpvsClient(socket, opts);
  try {
    await client.resolveFamily();
  } catch (err) {
    client.close();
    throw err;
  }
  return client;
}

class NetlinkIpvsClient implements IpvsClient {
  private family = 0;
  private seq = Math.floor(Math.random() * 0x7fffffff);
  private readonly port: number;
  private readonly pending = new Map<number, Pending>();
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly log: Logger;
  private readonly batchBytes: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly socket: RawNetlinkSocket,
    opts: NetlinkClientOptions,
  ) {
    this.log = opts.log.child({ component: 'ipvs-netlink' });
    this.batchBytes = opts.batchBytes ?? 128 * 1024;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.port = socket.address().port;
    socket.on('message', (data) => this.receive(data));
    socket.on('truncatedMessage', () => this.failAll('recvmsg', constants.errno.EMSGSIZE, 'reply truncated'));
    socket.on('error', (err) => this.failAll('recvmsg', err.errno, err.message));
  }

  /** Runs calls one after the other. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private nextSeq(): number {
    this.seq = (this.seq + 1) >>> 0 || 1;
    return this.seq;
  }

  private header(flags: number): RequestHeader {
    return { family: this.family, seq: this.nextSeq(), port: this.port, flags };
  }

  private receive(data: Buffer): void {
    let msgs: NetlinkMessage[];
    try {
      msgs = parseMessages(data);
    } catch (err) {
      this.failAll('recvmsg', 0, 'undecodable datagram', err);
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

  private findPending(seq: number): Pending | undefined {
    const direct = this.pending.get(seq);
    if (direct) return direct;
    for (const p of this.pending.values()) {
      if (seq >= p.firstSeq && seq <= p.lastSeq) return p;
    }
    return undefined;
  }

  private finish(p: Pending, err?: Error): void {
    this.pending.delete(p.lastSeq);
    p.done(err);
  }

  private failAll(syscall: string, errno: number, message: string, cause?: unknown): void {
    this.log.warn({ errno, syscall }, 'ipvs netlink socket failed');
    for (const p of [...this.pending.values()]) {
      this.finish(p, new IpvsTransportError(p.op, errno, `${syscall}: ${message}`, { cause }));
    }
  }

  /** Sends bytes holding requests firstSeq..lastSeq and waits for the last one's answer. */
  private exchange(bytes: Buffer, firstSeq: number, lastSeq: number, op: IpvsOperation): Promise<Pending> {
    if (this.closed) return Promise.reject(new IpvsTransportError(op, constants.errno.EBADF, 'client closed'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(lastSeq);
        reject(new IpvsTransportError(op, constants.errno.ETIMEDOUT, `no answer in ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      const p: Pending = {
        firstSeq,
        lastSeq,
        op,
        messages: [],
        errors: new Map(),
        done: (err) => {
          clearTimeout(timer);
          if (err) reject(err);
          else resolve(p);
        },
      };
      this.pending.set(lastSeq, p);
      this.socket.send(bytes, {}, (err) => {
        if (err) this.finish(p, new IpvsTransportError(op, err.errno, `sendmsg: ${err.message}`, { cause: err }));
      });
    });
  }

  /** One request, answered by an acknowledgement (and for "get" commands, data before it). */
  private async request(
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

  async resolveFamily(): Promise<void> {
    let msgs: NetlinkMessage[];
    try {
      msgs = await this.request(
        'resolveFamily',
        (w, h) => writeResolveFamily(w, { seq: h.seq, port: h.port, flags: K.NLM_F_ACK }),
        K.NLM_F_ACK,
      );
    } catch (err) {
      if (err instanceof IpvsError && err.errno === constants.errno.ENOENT)
        throw new IpvsUnavailableError({ cause: err });
      throw err;
    }
    const reply = msgs[0];
    if (!reply) throw new IpvsDecodeError('no CTRL_CMD_NEWFAMILY reply', 0);
    this.family = decodeFamilyReply(reply);
  }

  info(): ReturnType<IpvsClient['info']> {
    return this.serial(async () => {
      const [reply] = await this.request('getInfo', (w, h) => writeBare(w, h, K.IPVS_CMD_GET_INFO), K.NLM_F_ACK);
      if (!reply) throw new IpvsDecodeError('no GET_INFO reply', 0);
      return decodeInfo(parseGenl(reply).attrs);
    });
  }

  dump(): Promise<ObservedService[]> {
    return this.serial(async () => {
      const msgs = await this.request(
        'dumpServices',
        (w, h) => writeBare(w, h, K.IPVS_CMD_GET_SERVICE),
        K.NLM_F_ACK | K.NLM_F_DUMP,
      );
      const services = msgs.map((m) => decodeObservedService(this.nest(m, K.IPVS_CMD_ATTR_SERVICE)));
      const out: ObservedService[] = [];
      for (const s of services) {
        out.push({ ...s, destinations: await this.dumpDestinations(s.key) });
      }
      return out;
    });
  }

  private async dumpDestinations(key: ServiceKey): Promise<ObservedDestination[]> {
    const msgs = await this.request(
      'dumpDestinations',
      (w, h) => writeDumpDestinations(w, h, key),
      K.NLM_F_ACK | K.NLM_F_DUMP,
      { service: key },
    );
    return msgs.map((m) => decodeObservedDestination(this.nest(m, K.IPVS_CMD_ATTR_DEST), key.af));
  }

  private nest(m: NetlinkMessage, type: number): Buffer {
    const nest = parseAttrs(parseGenl(m).attrs).get(type);
    if (!nest) throw new IpvsDecodeError(`dump message without attribute ${type}`, 0);
    return nest;
  }

  apply(ops: readonly Op[]): Promise<OpResult[]> {
    return this.serial(async () => {
      const first = await this.applyBatched(ops);
      // Idempotence, as keepalived's ipvs_talk: an add that finds the object becomes an update,
      // an update of a missing object an add, and a delete of a missing object is done.
      const retryAt: number[] = [];
      const retries: Op[] = [];
      first.forEach((r, i) => {
        const again = r.error instanceof IpvsError ? retryOf(r.op, r.error.errno) : undefined;
        if (again === 'ok') first[i] = { op: r.op };
        else if (again) {
          retryAt.push(i);
          retries.push(again);
        }
      });
      if (retries.length > 0) {
        const second = await this.applyBatched(retries);
        second.forEach((r, j) => {
          const i = retryAt[j];
          if (i === undefined) return;
          const original = first[i]?.op ?? r.op;
          first[i] =
            r.error instanceof IpvsError
              ? { op: original, error: new IpvsError(original.op, r.error.errno, r.error.object) }
              : r.error
                ? { op: original, error: r.error }
                : { op: original };
        });
      }
      return first;
    });
  }

  private async applyBatched(ops: readonly Op[]): Promise<OpResult[]> {
    const results: OpResult[] = new Array<OpResult>(ops.length);
    const w = new MessageWriter(Math.min(this.batchBytes + 4096, 1 << 20));
    let i = 0;
    while (i < ops.length) {
      // One batch: requests without NLM_F_ACK, then the last one with it.
      const sent: { index: number; seq: number }[] = [];
      let firstSeq = -1;
      let lastSeq = -1;
      while (i < ops.length) {
        const op = ops[i] as Op;
        const isLast = i === ops.length - 1 || w.length >= this.batchBytes;
        const h = this.header(isLast ? K.NLM_F_ACK : 0);
        const before = w.length;
        try {
          writeOp(w, h, op);
          sent.push({ index: i, seq: h.seq });
          if (firstSeq === -1) firstSeq = h.seq;
          lastSeq = h.seq;
        } catch (err) {
          // An op IPVS cannot carry (an address of the wrong family...) fails alone.
          if (!(err instanceof IpvsInvalidObjectError)) throw err;
          w.truncate(before);
          results[i] = { op, error: err };
        }
        i++;
        if (isLast) break;
      }
      if (sent.length === 0) continue;
      const last = sent[sent.length - 1];
      if (last && last.seq !== lastSeq) throw new Error('batch bookkeeping');
      // The last message must ask for the acknowledgement that closes the batch.
      const bytes = w.take();
      if (last && !(bytes.readUInt16LE(lastMessageOffset(bytes) + 6) & K.NLM_F_ACK)) {
        bytes.writeUInt16LE(
          bytes.readUInt16LE(lastMessageOffset(bytes) + 6) | K.NLM_F_ACK,
          lastMessageOffset(bytes) + 6,
        );
      }
      const p = await this.exchange(bytes, firstSeq, lastSeq, (ops[sent[0]?.index ?? 0] as Op).op);
      for (const { index, seq } of sent) {
        const op = ops[index] as Op;
        const errno = p.errors.get(seq);
        results[index] = errno === undefined ? { op } : { op, error: new IpvsError(op.op, errno, objectOf(op)) };
      }
    }
    return results;
  }

  getTimeouts(): Promise<Timeouts> {
    return this.serial(async () => {
      const [reply] = await this.request('getTimeouts', (w, h) => writeBare(w, h, K.IPVS_CMD_GET_CONFIG), K.NLM_F_ACK);
      if (!reply) throw new IpvsDecodeError('no GET_CONFIG reply', 0);
      return decodeTimeouts(parseGenl(reply).attrs);
    });
  }

  setTimeouts(t: Timeouts): Promise<void> {
    return this.serial(async () => {
      await this.request('setTimeouts', (w, h) => writeSetTimeouts(w, h, t), K.NLM_F_ACK);
    });
  }

  zero(target: ZeroTarget): Promise<void> {
    return this.serial(async () => {
      await this.request(
        'zero',
        (w, h) => writeZero(w, h, target),
        K.NLM_F_ACK,
        target.all ? {} : { service: target.service },
      );
    });
  }

  startDaemon(d: SyncDaemon): Promise<void> {
    return this.serial(async () => {
      await this.request('startDaemon', (w, h) => writeStartDaemon(w, h, d), K.NLM_F_ACK);
    });
  }

  stopDaemon(state: SyncDaemon['state']): Promise<void> {
    return this.serial(async () => {
      await this.request('stopDaemon', (w, h) => writeStopDaemon(w, h, state), K.NLM_F_ACK);
    });
  }

  daemons(): Promise<SyncDaemon[]> {
    return this.serial(async () => {
      const msgs = await this.request(
        'getDaemons',
        (w, h) => writeBare(w, h, K.IPVS_CMD_GET_DAEMON),
        K.NLM_F_ACK | K.NLM_F_DUMP,
      );
      return msgs.map((m) => decodeDaemon(this.nest(m, K.IPVS_CMD_ATTR_DAEMON)));
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of [...this.pending.values()]) {
      this.finish(p, new IpvsTransportError(p.op, constants.errno.EBADF, 'client closed'));
    }
    this.socket.close();
  }
}

/** Offset of the last netlink message in a buffer of whole messages. */
function lastMessageOffset(bytes: Buffer): number {
  let off = 0;
  for (;;) {
    const next = off + ((bytes.readUInt32LE(off) + 3) & ~3);
    if (next >= bytes.length) return off;
    off = next;
  }
}

/**
 * What to do after the kernel refused `op` with `errno` (ip_vs_genl_set_cmd returns ESRCH for a
 * missing service, ENOENT for a missing destination, EEXIST for an existing one).
 */
function retryOf(op: Op, errno: number): Op | 'ok' | undefined {
  const { EEXIST, ENOENT, ESRCH } = constants.errno;
  switch (op.op) {
    case 'addService':
      return errno === EEXIST ? { op: 'updateService', service: op.service } : undefined;
    case 'updateService':
      return errno === ESRCH ? { op: 'addService', service: op.service } : undefined;
    case 'deleteService':
      return errno === ESRCH || errno === ENOENT ? 'ok' : undefined;
    case 'addDestination':
      return errno === EEXIST
        ? { op: 'updateDestination', service: op.service, destination: op.destination }
        : undefined;
    case 'updateDestination':
      return errno === ENOENT ? { op: 'addDestination', service: op.service, destination: op.destination } : undefined;
    case 'deleteDestination':
      return errno === ENOENT || errno === ESRCH ? 'ok' : undefined;
  }
}
