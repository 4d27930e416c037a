import { IpvsDecodeError } from './errors.js';
import { GENL_HDRLEN, NLA_F_NESTED, NLA_HDRLEN, NLA_TYPE_MASK, NLMSG_ERROR, NLMSG_HDRLEN } from './constants.js';

/**
 * Pure netlink framing (include/uapi/linux/netlink.h): message headers, the generic netlink
 * header, and type-length-value attributes aligned to 4 bytes. Netlink is in host byte order;
 * like the kernel ABI on every platform Node runs on here, this is little-endian. Port numbers
 * and addresses inside IPVS attributes are in network order and written so explicitly.
 */

/** Attributes and messages start on 4-byte boundaries. */
export const align4 = (n: number): number => (n + 3) & ~3;

/**
 * Appends netlink messages to one growing buffer, so that many requests leave in a single
 * sendmsg. Nesting and message lengths are patched when they close.
 */
export class MessageWriter {
  private buf: Buffer;
  private pos = 0;
  private messageStart = -1;
  private readonly nests: number[] = [];

  constructor(initialBytes = 4096) {
    // Every byte up to `length` is written (headers, values and padding), so the memory need
    // not be cleared first.
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.pos;
  }

  private reserve(n: number): number {
    if (this.pos + n > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
      this.buf.copy(next, 0, 0, this.pos);
      this.buf = next;
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  /** Starts a generic netlink message: nlmsghdr followed by genlmsghdr. */
  beginGenl(type: number, flags: number, seq: number, port: number, cmd: number, version: number): this {
    if (this.messageStart !== -1) throw new Error('netlink message already open');
    const at = this.reserve(NLMSG_HDRLEN + GENL_HDRLEN);
    this.messageStart = at;
    this.buf.writeUInt32LE(0, at);
    this.buf.writeUInt16LE(type, at + 4);
    this.buf.writeUInt16LE(flags, at + 6);
    this.buf.writeUInt32LE(seq >>> 0, at + 8);
    this.buf.writeUInt32LE(port >>> 0, at + 12);
    this.buf.writeUInt8(cmd, at + 16);
    this.buf.writeUInt8(version, at + 17);
    this.buf.writeUInt16LE(0, at + 18);
    return this;
  }

  /** Closes the open message, writing its length. */
  endMessage(): this {
    if (this.messageStart === -1 || this.nests.length > 0) throw new Error('no complete netlink message open');
    this.buf.writeUInt32LE(this.pos - this.messageStart, this.messageStart);
    this.messageStart = -1;
    return this;
  }

  private attr(type: number, payloadLen: number): number {
    const at = this.reserve(align4(NLA_HDRLEN + payloadLen));
    this.buf.writeUInt16LE(NLA_HDRLEN + payloadLen, at);
    this.buf.writeUInt16LE(type, at + 2);
    this.buf.fill(0, at + NLA_HDRLEN + payloadLen, align4(at + NLA_HDRLEN + payloadLen));
    return at + NLA_HDRLEN;
  }

  u8(type: number, v: number): this {
    this.buf.writeUInt8(v, this.attr(type, 1));
    return this;
  }
  u16(type: number, v: number): this {
    this.buf.writeUInt16LE(v, this.attr(type, 2));
    return this;
  }
  /** A 16-bit value in network byte order (ports). */
  be16(type: number, v: number): this {
    this.buf.writeUInt16BE(v, this.attr(type, 2));
    return this;
  }
  u32(type: number, v: number): this {
    this.buf.writeUInt32LE(v >>> 0, this.attr(type, 4));
    return this;
  }
  /** A 32-bit value in network byte order (IPv4 netmask, multicast group). */
  be32(type: number, v: number): this {
    this.buf.writeUInt32BE(v >>> 0, this.attr(type, 4));
    return this;
  }
  bytes(type: number, v: Uint8Array): this {
    this.buf.set(v, this.attr(type, v.length));
    return this;
  }
  /** A NUL-terminated string (NLA_NUL_STRING / NLA_STRING as libnl writes it). */
  string(type: number, v: string): this {
    const n = Buffer.byteLength(v);
    const at = this.attr(type, n + 1);
    this.buf.write(v, at);
    this.buf.writeUInt8(0, at + n);
    return this;
  }
  /** Opens a nested attribute; `nested` sets NLA_F_NESTED as libnl's nla_nest_start does. */
  beginNest(type: number, nested = true): this {
    const at = this.reserve(NLA_HDRLEN);
    this.buf.writeUInt16LE(nested ? type | NLA_F_NESTED : type, at + 2);
    this.nests.push(at);
    return this;
  }
  endNest(): this {
    const at = this.nests.pop();
    if (at === undefined) throw new Error('no nested attribute open');
    this.buf.writeUInt16LE(this.pos - at, at);
    return this;
  }

  /** Drops everything after `length` (a message that could not be completed). */
  truncate(length: number): void {
    if (length > this.pos) throw new Error('cannot grow by truncating');
    this.pos = length;
    this.messageStart = -1;
    this.nests.length = 0;
  }

  /** The bytes written so far (a copy), and the writer is emptied for reuse. */
  take(): Buffer {
    if (this.messageStart !== -1) throw new Error('netlink message still open');
    const out = Buffer.from(this.buf.subarray(0, this.pos));
    this.pos = 0;
    return out;
  }
}

/** One netlink message read from a datagram. */
export interface NetlinkMessage {
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  readonly port: number;
  /** Everything after the 16-byte header. */
  readonly payload: Buffer;
}

/** Splits a datagram into its netlink messages; throws IpvsDecodeError on bad lengths. */
export function parseMessages(data: Buffer): NetlinkMessage[] {
  const out: NetlinkMessage[] = [];
  let off = 0;
  while (off < data.length) {
    if (data.length - off < NLMSG_HDRLEN) throw new IpvsDecodeError('truncated netlink header', off);
    const len = data.readUInt32LE(off);
    if (len < NLMSG_HDRLEN || len > data.length - off) throw new IpvsDecodeError(`netlink length ${len}`, off);
    out.push({
      type: data.readUInt16LE(off + 4),
      flags: data.readUInt16LE(off + 6),
      seq: data.readUInt32LE(off + 8),
      port: data.readUInt32LE(off + 12),
      payload: data.subarray(off + NLMSG_HDRLEN, off + len),
    });
    off += align4(len);
  }
  return out;
}

/** The errno of an NLMSG_ERROR (0 for an acknowledgement), positive. */
export function errorOf(msg: NetlinkMessage): number {
  if (msg.type !== NLMSG_ERROR) throw new IpvsDecodeError(`message type ${msg.type} is not NLMSG_ERROR`, 4);
  if (msg.payload.length < 4) throw new IpvsDecodeError('truncated NLMSG_ERROR', 0);
  return -msg.payload.readInt32LE(0);
}

/** A generic netlink message body: command, version and attribute bytes. */
export interface GenlBody {
  readonly cmd: number;
  readonly version: number;
  readonly attrs: Buffer;
}

export function parseGenl(msg: NetlinkMessage): GenlBody {
  if (msg.payload.length < GENL_HDRLEN) throw new IpvsDecodeError('truncated genetlink header', NLMSG_HDRLEN);
  return { cmd: msg.payload.readUInt8(0), version: msg.payload.readUInt8(1), attrs: msg.payload.subarray(GENL_HDRLEN) };
}

/**
 * Attributes by type (flags masked off). A later duplicate wins, as nla_parse does. Unknown
 * types are kept and ignored by callers, so newer kernels' extra attributes do not break us.
 */
export function parseAttrs(data: Buffer, base = 0): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  for (let off = 0; off < data.length;) {
    const len = attrLength(data, off, data.length, base);
    out.set(data.readUInt16LE(off + 2) & NLA_TYPE_MASK, data.subarray(off + NLA_HDRLEN, off + len));
    off += align4(len);
  }
  return out;
}

/**
 * The length of the attribute at `off`, checked: a whole header before `end`, and a length
 * that covers the header and stays within `end`. `base` places `off` in the message, for the
 * error.
 */
export function attrLength(data: Buffer, off: number, end: number, base = 0): number {
  if (end - off < NLA_HDRLEN) throw new IpvsDecodeError('truncated attribute header', base + off);
  const len = data.readUInt16LE(off);
  if (len < NLA_HDRLEN || len > end - off) throw new IpvsDecodeError(`attribute length ${len}`, base + off);
  return len;
}

/** Size check of one attribute payload of `len` bytes at `at`: at least `want` bytes. */
export function needBytes(len: number, want: number, what: string, at = 0): void {
  if (len < want) throw new IpvsDecodeError(`${what}: ${len} bytes`, at);
}

/** `b`, once it holds at least `want` bytes. */
function sized(b: Buffer, want: number, what: string): Buffer {
  needBytes(b.length, want, what);
  return b;
}

/** Typed reads of one attribute payload, each checking its exact size. */
export const read = {
  u8: (b: Buffer, what: string): number => sized(b, 1, what).readUInt8(0),
  u16: (b: Buffer, what: string): number => sized(b, 2, what).readUInt16LE(0),
  be16: (b: Buffer, what: string): number => sized(b, 2, what).readUInt16BE(0),
  u32: (b: Buffer, what: string): number => sized(b, 4, what).readUInt32LE(0),
  be32: (b: Buffer, what: string): number => sized(b, 4, what).readUInt32BE(0),
  u64: (b: Buffer, what: string): bigint => sized(b, 8, what).readBigUInt64LE(0),
  /** A string up to its first NUL (or the payload's end). */
  string(b: Buffer): string {
    const nul = b.indexOf(0);
    return b.toString('utf8', 0, nul === -1 ? b.length : nul);
  },
};
