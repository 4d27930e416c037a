import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseMessages, type NetlinkMessage } from '../../../src/ipvs/netlink-wire.js';
import { decodeFamilyReply } from '../../../src/ipvs/requests.js';
import { GENL_ID_CTRL } from '../../../src/ipvs/constants.js';

/** One ipvsadm run captured by test/fixtures/ipvs/capture.sh. */
export interface Capture {
  command: string;
  /** The IPVS family id the kernel gave. */
  family: number;
  /** Every buffer ipvsadm sent or received, in order. */
  buffers: { dir: 'send' | 'recv'; bytes: Buffer }[];
  /**
   * The IPVS requests ipvsadm sent (excluding family resolution), each with its raw bytes and
   * the kernel's answers. ipvsadm always starts with GET_INFO; the command proper is last.
   */
  requests: { msg: NetlinkMessage; bytes: Buffer; replies: NetlinkMessage[] }[];
  /** The last request (the command proper). */
  last: { msg: NetlinkMessage; bytes: Buffer; replies: NetlinkMessage[] };
  /** Every message the kernel sent back for IPVS requests. */
  replies: NetlinkMessage[];
}

const raw = JSON.parse(
  readFileSync(resolve(import.meta.dirname, '../../fixtures/ipvs/ipvsadm-messages.json'), 'utf8'),
) as Record<string, { command: string; buffers: { dir: 'send' | 'recv'; hex: string }[] }>;

/** The capture of one scenario by name (see capture.sh). */
export function capture(name: string): Capture {
  const c = raw[name];
  if (!c) throw new Error(`no capture ${name}`);
  const buffers = c.buffers.map((b) => ({ dir: b.dir, bytes: Buffer.from(b.hex, 'hex') }));
  let family = -1;
  const requests: Capture['requests'] = [];
  const replies: NetlinkMessage[] = [];
  let lastWasIpvs = false;
  for (const b of buffers) {
    const msgs = parseMessages(b.bytes);
    const first = msgs[0];
    if (!first) continue;
    if (b.dir === 'send') {
      lastWasIpvs = first.type !== GENL_ID_CTRL;
      if (lastWasIpvs) requests.push({ msg: first, bytes: b.bytes, replies: [] });
    } else if (first.type === GENL_ID_CTRL) {
      family = decodeFamilyReply(first);
    } else if (lastWasIpvs) {
      replies.push(...msgs);
      requests.at(-1)?.replies.push(...msgs);
    }
  }
  const last = requests.at(-1);
  if (!last) throw new Error(`capture ${name} has no IPVS request`);
  return { command: c.command, family, buffers, requests, replies, last };
}

/** Names of every captured scenario. */
export const captureNames = Object.keys(raw);
