import type { Logger } from '../core/index.js';
import * as K from './constants.js';
import { decodeDaemon, decodeInfo, decodeObservedDestination, decodeObservedService, decodeTimeouts } from './codec.js';
import type { DumpOptions, OpResult, IpvsClient } from './client.js';
import {
  IpvsDecodeError,
  IpvsError,
  IpvsInvalidObjectError,
  IpvsUnavailableError,
  objectOf,
  type IpvsObject,
  type IpvsOperation,
} from './errors.js';
import { scanDestination } from './dest-scan.js';
import { NetlinkChannel, openGenericSocket, type NetlinkTransport } from './netlink-channel.js';
import { MessageWriter, parseAttrs, parseGenl, type NetlinkMessage } from './netlink-wire.js';
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
  /**
   * Sockets that read destinations in parallel (one GET_DEST dump each at a time). Default 1:
   * under user-mode-linux, 8 sockets were slower than 1 (the cost is CPU, not waiting).
   */
  readonly dumpSockets?: number;
}

/**
 * The real IpvsClient over generic netlink. Writes are batched: a run of requests leaves in
 * one sendmsg, only the last asks for an acknowledgement, and the kernel (which handles the
 * messages of one sendmsg in order, netlink_rcv_skb) reports every failure with its sequence
 * number, so one acknowledgement confirms the whole batch. Reading the table takes one
 * GET_DEST dump per service; a kernel socket runs one dump at a time (netlink_dump_start
 * answers EBUSY otherwise), so those dumps can be spread over several sockets (dumpSockets).
 * Calls are serialised.
 */
export async function createNetlinkClient(
  opts: NetlinkClientOptions,
  open: (bufferBytes: number) => NetlinkTransport = openGenericSocket,
): Promise<IpvsClient> {
  const client = new NetlinkIpvsClient(opts, open);
  try {
    await client.resolveFamily();
  } catch (err) {
    client.close();
    throw err;
  }
  return client;
}

class NetlinkIpvsClient implements IpvsClient {
  private readonly main: NetlinkChannel;
  private readonly dumpers: NetlinkChannel[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private readonly log: Logger;
  private readonly batchBytes: number;
  private readonly timeoutMs: number;
  private readonly bufferBytes: number;
  private readonly dumpSockets: number;

  constructor(
    opts: NetlinkClientOptions,
    private readonly open: (bufferBytes: number) => NetlinkTransport,
  ) {
    this.log = opts.log.child({ component: 'ipvs-netlink' });
    this.batchBytes = opts.batchBytes ?? 128 * 1024;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.bufferBytes = opts.socketBufferBytes ?? 8 * 1024 * 1024;
    this.dumpSockets = Math.max(1, opts.dumpSockets ?? 1);
    this.main = new NetlinkChannel(open(this.bufferBytes), this.log, this.timeoutMs);
  }

  /** Runs calls one after the other. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private request(
    op: IpvsOperation,
    write: (w: MessageWriter, h: RequestHeader) => void,
    flags: number,
    object: IpvsObject = {},
  ): Promise<NetlinkMessage[]> {
    return this.main.request(op, write, flags, object);
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
    this.main.family = decodeFamilyReply(reply);
  }

  info(): ReturnType<IpvsClient['info']> {
    return this.serial(async () => {
      const [reply] = await this.request('getInfo', (w, h) => writeBare(w, h, K.IPVS_CMD_GET_INFO), K.NLM_F_ACK);
      if (!reply) throw new IpvsDecodeError('no GET_INFO reply', 0);
      return decodeInfo(parseGenl(reply).attrs);
    });
  }

  dump(opts: DumpOptions = {}): Promise<ObservedService[]> {
    const withStats = opts.stats !== false;
    return this.serial(async () => {
      const msgs = await this.request(
        'dumpServices',
        (w, h) => writeBare(w, h, K.IPVS_CMD_GET_SERVICE),
        K.NLM_F_ACK | K.NLM_F_DUMP,
      );
      const services = msgs.map((m) => decodeObservedService(this.nest(m, K.IPVS_CMD_ATTR_SERVICE), withStats));
      const out = new Array<ObservedService>(services.length);
      const channels = this.dumpChannels(services.length);
      let next = 0;
      await Promise.all(
        channels.map(async (channel) => {
          while (next < services.length) {
            const i = next++;
            const s = services[i] as (typeof services)[number];
            out[i] = { ...s, destinations: await this.dumpDestinations(channel, s.key, withStats) };
          }
        }),
      );
      return out;
    });
  }

  /** Up to dumpSockets channels for GET_DEST dumps, opened on first use and kept. */
  private dumpChannels(services: number): NetlinkChannel[] {
    const want = Math.min(this.dumpSockets, Math.max(1, Math.ceil(services / 16)));
    while (this.dumpers.length < want) {
      const channel = new NetlinkChannel(this.open(this.bufferBytes), this.log, this.timeoutMs);
      channel.family = this.main.family;
      this.dumpers.push(channel);
    }
    return this.dumpers.slice(0, want);
  }

  private async dumpDestinations(
    channel: NetlinkChannel,
    key: ServiceKey,
    withStats: boolean,
  ): Promise<ObservedDestination[]> {
    const msgs = await channel.request(
      'dumpDestinations',
      (w, h) => writeDumpDestinations(w, h, key),
      K.NLM_F_ACK | K.NLM_F_DUMP,
      { service: key },
    );
    // Without counters, the one-pass scanner (dest-scan.ts) reads each message in place.
    return withStats
      ? msgs.map((m) => decodeObservedDestination(this.nest(m, K.IPVS_CMD_ATTR_DEST), key.af))
      : msgs.map((m) => scanDestination(m.payload, key.af));
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
    // Sized for the ops at hand: one change should not allocate a whole batch buffer.
    const w = new MessageWriter(Math.min(this.batchBytes + 4096, ops.length * 320 + 512));
    let i = 0;
    while (i < ops.length) {
      // One batch: requests without NLM_F_ACK, then the last one with it.
      const sent: { index: number; seq: number }[] = [];
      let firstSeq = -1;
      let lastSeq = -1;
      while (i < ops.length) {
        const op = ops[i] as Op;
        const isLast = i === ops.length - 1 || w.length >= this.batchBytes;
        const h = this.main.header(isLast ? K.NLM_F_ACK : 0);
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
      const p = await this.main.exchange(bytes, firstSeq, lastSeq, (ops[sent[0]?.index ?? 0] as Op).op);
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
    this.main.close();
    for (const c of this.dumpers) c.close();
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
      return errno === EEXIST && !op.exclusive ? { op: 'updateService', service: op.service } : undefined;
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
