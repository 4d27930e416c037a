/**
 * Pure: ICMP and ICMPv6 echo messages for PING_CHECK (keepalived/check/check_ping.c).
 * RFC 792 (echo type 8/0, destination unreachable 3) and RFC 4443 (echo 128/129,
 * destination unreachable 1). The kernel fills the ICMPv6 checksum of raw sockets (RFC 3542
 * section 3.1); the ICMPv4 one is ours.
 */
import type { Family } from '../api/index.js';
import { internetChecksum } from '../net/checksum.js';

const ECHO_REQUEST = { 4: 8, 6: 128 } as const;
const ECHO_REPLY = { 4: 0, 6: 129 } as const;
const UNREACHABLE = { 4: 3, 6: 1 } as const;

/** An echo request with the given identifier, sequence number and payload. */
export function encodeEchoRequest(family: Family, id: number, seq: number, payload: Uint8Array): Buffer {
  const msg = Buffer.alloc(8 + payload.length);
  msg[0] = ECHO_REQUEST[family];
  msg.writeUInt16BE(id & 0xffff, 4);
  msg.writeUInt16BE(seq & 0xffff, 6);
  msg.set(payload, 8);
  if (family === 4) msg.writeUInt16BE(internetChecksum(msg), 2);
  return msg;
}

/** What a received ICMP message says about one of our echoes. */
export type EchoEvent = { readonly kind: 'reply' | 'unreachable'; readonly id: number; readonly seq: number };

/**
 * Reads a message from a raw ICMP socket: IPv4 raw sockets deliver the IP header first, IPv6
 * ones start at the ICMPv6 header. Unrelated messages give undefined.
 */
export function decodeEcho(family: Family, data: Buffer): EchoEvent | undefined {
  const icmp = family === 4 ? data.subarray(ipv4HeaderLength(data)) : data;
  if (icmp.length < 8) return undefined;
  const type = icmp[0];
  if (type === ECHO_REPLY[family]) return { kind: 'reply', id: icmp.readUInt16BE(4), seq: icmp.readUInt16BE(6) };
  if (type === UNREACHABLE[family]) {
    // The error quotes the offending packet: its IP header, then our echo request header.
    const quoted = icmp.subarray(8);
    const echo = family === 4 ? quoted.subarray(ipv4HeaderLength(quoted)) : quoted.subarray(40);
    if (echo.length < 8 || echo[0] !== ECHO_REQUEST[family]) return undefined;
    return { kind: 'unreachable', id: echo.readUInt16BE(4), seq: echo.readUInt16BE(6) };
  }
  return undefined;
}

function ipv4HeaderLength(data: Buffer): number {
  return data.length > 0 ? ((data[0] ?? 0) & 0x0f) * 4 : 0;
}
