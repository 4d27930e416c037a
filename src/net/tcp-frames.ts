/**
 * Pure builders and parser of the Ethernet frames of a VIP-path probe: a TCP SYN addressed to
 * VIP:port, put on the wire to one real server's MAC, the RST that closes the half-open
 * connection after its SYN-ACK, and the reading of the answer (RFC 9293 §3.1 header, RFC 791
 * and RFC 8200 network headers). IPv4 and IPv6, no IP options or extension headers.
 */
import { internetChecksum, pseudoHeader } from './checksum.js';
import { ETH_P_IPV6 } from './frames.js';
import { formatIp, parseIP } from './ip-codec.js';

/** EtherType of IPv4. */
export const ETH_P_IP = 0x0800;
const ETH_HLEN = 14;
const IPV4_HLEN = 20;
const IPV6_HLEN = 40;
const IPPROTO_TCP = 6;
/** TCP header with the one MSS option a SYN carries (RFC 9293 §3.2). */
const TCP_SYN_HLEN = 24;
const TCP_HLEN = 20;
/** The MSS a SYN announces: Ethernet MTU 1500 minus the IPv4 / IPv6 and TCP headers. */
const MSS_V4 = 1460;
const MSS_V6 = 1440;
/** Linux's default initial window on a SYN (64240 = 44 x 1460). */
const SYN_WINDOW = 64240;
/** Linux's default TTL / hop limit (net.ipv4.ip_default_ttl). */
const DEFAULT_TTL = 64;

/** TCP header flags (RFC 9293 §3.1). */
export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_ACK = 0x10;

/** What one probe segment carries in its IP packet; addresses as text, both of one family. */
export interface TcpPacketSpec {
  readonly srcIp: string;
  readonly dstIp: string;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly seq: number;
  /** IPv4 identification; ignored for IPv6. */
  readonly ipId: number;
}

/** A probe segment in an Ethernet frame. */
export interface TcpSegmentSpec extends TcpPacketSpec {
  readonly srcMac: Uint8Array;
  readonly dstMac: Uint8Array;
}

/** A TCP segment read out of a received frame. */
export interface TcpSegment {
  readonly srcIp: string;
  readonly dstIp: string;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly seq: number;
  readonly ack: number;
  readonly flags: number;
}

function addressBytes(text: string, what: string): Uint8Array {
  const bytes = parseIP(text)?.bytes;
  if (!bytes) throw new RangeError(`${what} is not an IP address: ${text}`);
  return bytes;
}

/** The TCP checksum over the pseudo-header (RFC 9293 §3.1; RFC 8200 §8.1 for IPv6). */
export function tcpChecksum(src: Uint8Array, dst: Uint8Array, segment: Uint8Array): number {
  return internetChecksum(pseudoHeader(src, dst, IPPROTO_TCP, segment.length), segment);
}

function tcpSegment(spec: TcpPacketSpec, flags: number, mss: number | undefined): Uint8Array {
  const hlen = mss === undefined ? TCP_HLEN : TCP_SYN_HLEN;
  const seg = new Uint8Array(hlen);
  const v = new DataView(seg.buffer);
  v.setUint16(0, spec.srcPort);
  v.setUint16(2, spec.dstPort);
  v.setUint32(4, spec.seq >>> 0);
  seg[12] = (hlen / 4) << 4;
  seg[13] = flags;
  v.setUint16(14, mss === undefined ? 0 : SYN_WINDOW);
  if (mss !== undefined) {
    seg[20] = 2; // kind MSS
    seg[21] = 4;
    v.setUint16(22, mss);
  }
  return seg;
}

/** The IP packet (IPv4 or IPv6 header, then the TCP segment) of a probe segment. */
function packet(spec: TcpPacketSpec, flags: number, withMss: boolean): Uint8Array {
  const src = addressBytes(spec.srcIp, 'source');
  const dst = addressBytes(spec.dstIp, 'destination');
  if (src.length !== dst.length) throw new RangeError('source and destination must be of one address family');
  const v6 = src.length === 16;
  const seg = tcpSegment(spec, flags, withMss ? (v6 ? MSS_V6 : MSS_V4) : undefined);
  new DataView(seg.buffer).setUint16(16, tcpChecksum(src, dst, seg));
  const ipLen = v6 ? IPV6_HLEN : IPV4_HLEN;
  const out = new Uint8Array(ipLen + seg.length);
  const v = new DataView(out.buffer);
  if (v6) {
    v.setUint32(0, 0x60000000);
    v.setUint16(4, seg.length);
    out[6] = IPPROTO_TCP;
    out[7] = DEFAULT_TTL;
    out.set(src, 8);
    out.set(dst, 24);
  } else {
    out[0] = 0x45;
    v.setUint16(2, IPV4_HLEN + seg.length);
    v.setUint16(4, spec.ipId & 0xffff);
    v.setUint16(6, 0x4000); // DF, as Linux sets it on TCP
    out[8] = DEFAULT_TTL;
    out[9] = IPPROTO_TCP;
    out.set(src, 12);
    out.set(dst, 16);
    v.setUint16(10, internetChecksum(out.subarray(0, IPV4_HLEN))); // RFC 791 §3.1
  }
  out.set(seg, ipLen);
  return out;
}

function frame(spec: TcpSegmentSpec, flags: number, withMss: boolean): Uint8Array {
  const ip = packet(spec, flags, withMss);
  const out = new Uint8Array(ETH_HLEN + ip.length);
  out.set(spec.dstMac, 0);
  out.set(spec.srcMac, 6);
  new DataView(out.buffer).setUint16(12, ip[0] !== undefined && ip[0] >> 4 === 6 ? ETH_P_IPV6 : ETH_P_IP);
  out.set(ip, ETH_HLEN);
  return out;
}

/** The probe's SYN as a bare IP packet, for IPIP encapsulation (TUN real servers). */
export function buildTcpSynPacket(spec: TcpPacketSpec): Uint8Array {
  return packet(spec, TCP_SYN, true);
}

/** The RST after a SYN-ACK as a bare IP packet (see {@link buildTcpRst}). */
export function buildTcpRstPacket(spec: TcpPacketSpec): Uint8Array {
  return packet(spec, TCP_RST, false);
}

/** The probe's SYN: one MSS option, Linux's initial window, DF set on IPv4. */
export function buildTcpSyn(spec: TcpSegmentSpec): Uint8Array {
  return frame(spec, TCP_SYN, true);
}

/**
 * The RST that ends the half-open connection after a SYN-ACK: its sequence number must be the
 * one the server expects next, our ISN + 1 (RFC 9293 §3.10.7.4, "In-window" check).
 */
export function buildTcpRst(spec: TcpSegmentSpec): Uint8Array {
  return frame(spec, TCP_RST, false);
}

/**
 * Reads the TCP header of an Ethernet frame; undefined when the frame is not an unfragmented
 * IPv4 / IPv6 (no extension header) TCP segment with valid lengths. Checksums are not verified:
 * the kernel already dropped frames with a bad FCS, and a corrupted reply only fails a probe.
 */
export function parseTcpFrame(frameBytes: Uint8Array): TcpSegment | undefined {
  if (frameBytes.length < ETH_HLEN + IPV4_HLEN + TCP_HLEN) return undefined;
  const v = new DataView(frameBytes.buffer, frameBytes.byteOffset, frameBytes.byteLength);
  const type = v.getUint16(12);
  let tcpAt: number;
  let srcIp: string;
  let dstIp: string;
  if (type === ETH_P_IP) {
    const ihl = ((frameBytes[ETH_HLEN] ?? 0) & 0x0f) * 4;
    if ((frameBytes[ETH_HLEN] ?? 0) >> 4 !== 4 || ihl < IPV4_HLEN) return undefined;
    if (frameBytes[ETH_HLEN + 9] !== IPPROTO_TCP || (v.getUint16(ETH_HLEN + 6) & 0x3fff) !== 0) return undefined;
    tcpAt = ETH_HLEN + ihl;
    srcIp = formatIp(frameBytes.slice(ETH_HLEN + 12, ETH_HLEN + 16));
    dstIp = formatIp(frameBytes.slice(ETH_HLEN + 16, ETH_HLEN + 20));
  } else if (type === ETH_P_IPV6) {
    if ((frameBytes[ETH_HLEN] ?? 0) >> 4 !== 6 || frameBytes[ETH_HLEN + 6] !== IPPROTO_TCP) return undefined;
    tcpAt = ETH_HLEN + IPV6_HLEN;
    srcIp = formatIp(frameBytes.slice(ETH_HLEN + 8, ETH_HLEN + 24));
    dstIp = formatIp(frameBytes.slice(ETH_HLEN + 24, ETH_HLEN + 40));
  } else return undefined;
  if (frameBytes.length < tcpAt + TCP_HLEN) return undefined;
  return {
    srcIp,
    dstIp,
    srcPort: v.getUint16(tcpAt),
    dstPort: v.getUint16(tcpAt + 2),
    seq: v.getUint32(tcpAt + 4),
    ack: v.getUint32(tcpAt + 8),
    flags: frameBytes[tcpAt + 13] ?? 0,
  };
}
