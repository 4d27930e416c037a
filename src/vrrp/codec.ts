/**
 * Pure VRRP codec: ADVERTISEMENTs of VRRPv2 (RFC 3768) and VRRPv3 (RFC 5798), and the IPv4
 * header that keepalived builds itself (it sends with IP_HDRINCL). Structural checks only;
 * what depends on an instance's configuration is in accept.ts.
 */
import { internetChecksum, pseudoHeader } from '../net/checksum.js';
import { formatIp, parseIP } from '../net/ip-codec.js';
import {
  IPPROTO_VRRP,
  IPV4_HEADER_LEN,
  VRRP_AUTH_LEN,
  VRRP_AUTH_NONE,
  VRRP_AUTH_PASS,
  VRRP_HEADER_LEN,
  VRRP_IP_TTL,
  VRRP_PKT_ADVERT,
  VRRP_TOS,
  VRRP_V2_MAX_ADVER_S,
  VRRP_V3_MAX_ADVER_CS,
} from './constants.js';
import type { AddressFamily, Advert, Checked, ReceivedMeta, VrrpAuth, VrrpVersion } from './types.js';

/** The fields an advert is built from; times in milliseconds. */
export interface AdvertFields {
  readonly version: VrrpVersion;
  readonly vrid: number;
  readonly priority: number;
  readonly advertIntervalMs: number;
  readonly addresses: readonly string[];
  /** v2 only; keepalived sends 8 auth bytes (zeros for none) in every v2 advert. */
  readonly auth?: VrrpAuth;
}

/** Addresses the v3 checksum pseudo-header covers (RFC 5798 §5.2.8). */
export interface PseudoHeader {
  readonly family: AddressFamily;
  readonly source: string;
  readonly destination: string;
}

function addressBytes(text: string, family: AddressFamily): Uint8Array {
  const b = parseIP(text)?.bytes;
  if (!b || b.length !== (family === 4 ? 4 : 16)) throw new RangeError(`not an IPv${family} address: ${text}`);
  return b;
}

/** The pseudo-header of `ph` for a VRRP message of `length` bytes. */
function vrrpPseudoHeader(ph: PseudoHeader, length: number): Uint8Array {
  return pseudoHeader(
    addressBytes(ph.source, ph.family),
    addressBytes(ph.destination, ph.family),
    IPPROTO_VRRP,
    length,
  );
}

/**
 * The VRRP checksum of `packet` (checksum field included as it is): v2 covers the VRRP message
 * only (RFC 3768 §5.3.8), v3 adds the pseudo-header (RFC 5798 §5.2.8). A packet whose checksum
 * is right yields 0.
 */
export function vrrpChecksum(packet: Uint8Array, version: VrrpVersion, ph?: PseudoHeader): number {
  return version === 3 && ph ? internetChecksum(vrrpPseudoHeader(ph, packet.length), packet) : internetChecksum(packet);
}

function authBytes(auth: VrrpAuth | undefined): { type: number; data: Uint8Array } {
  const data = new Uint8Array(VRRP_AUTH_LEN);
  if (!auth || auth.type === 'none') return { type: VRRP_AUTH_NONE, data };
  // RFC 2338 §5.3.10: the password, zero padded to 8 octets (keepalived truncates longer ones).
  data.set(new TextEncoder().encode(auth.password).subarray(0, VRRP_AUTH_LEN));
  return { type: VRRP_AUTH_PASS, data };
}

/**
 * Encodes an ADVERTISEMENT. For v3 the pseudo-header is needed for the checksum (IPv4 and
 * IPv6; for IPv6 the kernel recomputes it when IPV6_CHECKSUM is set, to the same value).
 */
export function encodeAdvert(fields: AdvertFields, ph: PseudoHeader): Uint8Array {
  const family = ph.family;
  const alen = family === 4 ? 4 : 16;
  const n = fields.addresses.length;
  const tail = fields.version === 2 ? VRRP_AUTH_LEN : 0;
  const out = new Uint8Array(VRRP_HEADER_LEN + n * alen + tail);
  const view = new DataView(out.buffer);
  out[0] = (fields.version << 4) | VRRP_PKT_ADVERT;
  out[1] = fields.vrid;
  out[2] = fields.priority;
  out[3] = n;
  if (fields.version === 2) {
    const { type, data } = authBytes(fields.auth);
    out[4] = type;
    out[5] = Math.min(VRRP_V2_MAX_ADVER_S, Math.max(1, Math.round(fields.advertIntervalMs / 1000)));
    out.set(data, VRRP_HEADER_LEN + n * alen);
  } else {
    // RFC 5798 §5.2.5-5.2.7: 4 reserved bits then 12 bits of centiseconds.
    view.setUint16(4, Math.min(VRRP_V3_MAX_ADVER_CS, Math.max(1, Math.round(fields.advertIntervalMs / 10))));
  }
  fields.addresses.forEach((a, i) => out.set(addressBytes(a, family), VRRP_HEADER_LEN + i * alen));
  view.setUint16(6, vrrpChecksum(out, fields.version, ph));
  return out;
}

/**
 * Decodes an ADVERTISEMENT and performs the structural checks of RFC 5798 §7.1 that do not
 * depend on configuration: version, type, length against the address count, checksum.
 * When `meta` lacks a destination (IPv6 raw sockets cannot report it) the checksum is left to
 * the kernel, which verifies it on sockets with IPV6_CHECKSUM, as keepalived relies on.
 */
export function decodeAdvert(packet: Uint8Array, meta: ReceivedMeta): Checked<Advert> {
  if (packet.length < VRRP_HEADER_LEN) return { ok: false, reason: 'short_packet' };
  const b0 = packet[0] ?? 0;
  const version = b0 >> 4;
  if (version !== 2 && version !== 3) return { ok: false, reason: 'bad_version' };
  if (version === 2 && meta.family === 6) return { ok: false, reason: 'bad_version' };
  if ((b0 & 0x0f) !== VRRP_PKT_ADVERT) return { ok: false, reason: 'bad_type' };
  const count = packet[3] ?? 0;
  const alen = meta.family === 4 ? 4 : 16;
  const expected = VRRP_HEADER_LEN + count * alen + (version === 2 ? VRRP_AUTH_LEN : 0);
  if (count === 0) return { ok: false, reason: 'bad_address_count' };
  if (packet.length !== expected) {
    // A length that fits a different count means the count field is wrong.
    const body = packet.length - VRRP_HEADER_LEN - (version === 2 ? VRRP_AUTH_LEN : 0);
    return { ok: false, reason: body > 0 && body % alen === 0 ? 'bad_address_count' : 'bad_length' };
  }
  const ph: PseudoHeader | undefined =
    meta.destination !== undefined
      ? { family: meta.family, source: meta.source, destination: meta.destination }
      : undefined;
  if ((version === 2 || ph) && vrrpChecksum(packet, version, ph) !== 0) return { ok: false, reason: 'bad_checksum' };
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  const addresses: string[] = [];
  for (let i = 0; i < count; i++) {
    const off = VRRP_HEADER_LEN + i * alen;
    addresses.push(formatIp(packet.subarray(off, off + alen)));
  }
  const base = { vrid: packet[1] ?? 0, priority: packet[2] ?? 0, addresses };
  if (version === 2) {
    const authOff = VRRP_HEADER_LEN + count * alen;
    return {
      ok: true,
      value: {
        ...base,
        version,
        advertIntervalMs: (packet[5] ?? 0) * 1000,
        authType: packet[4] ?? 0,
        authData: packet.slice(authOff, authOff + VRRP_AUTH_LEN),
      },
    };
  }
  return { ok: true, value: { ...base, version, advertIntervalMs: (view.getUint16(4) & VRRP_V3_MAX_ADVER_CS) * 10 } };
}

/** The parts of an IPv4 header the receiver needs. */
export interface Ipv4Packet {
  readonly source: string;
  readonly destination: string;
  readonly ttl: number;
  readonly protocol: number;
  readonly payload: Uint8Array;
}

/**
 * Splits an IPv4 datagram as a raw socket delivers it (header included). Ethernet padding
 * beyond Total Length is ignored, as keepalived allows for it.
 */
export function decodeIpv4(datagram: Uint8Array): Checked<Ipv4Packet> {
  if (datagram.length < IPV4_HEADER_LEN) return { ok: false, reason: 'short_packet' };
  const b0 = datagram[0] ?? 0;
  const ihl = (b0 & 0x0f) * 4;
  if (b0 >> 4 !== 4 || ihl < IPV4_HEADER_LEN || ihl > datagram.length) return { ok: false, reason: 'bad_ip_header' };
  const view = new DataView(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  const total = view.getUint16(2);
  if (total < ihl || total > datagram.length) return { ok: false, reason: 'bad_length' };
  return {
    ok: true,
    value: {
      ttl: datagram[8] ?? 0,
      protocol: datagram[9] ?? 0,
      source: formatIp(datagram.subarray(12, 16)),
      destination: formatIp(datagram.subarray(16, 20)),
      payload: datagram.subarray(ihl, total),
    },
  };
}

/**
 * Builds the IPv4 header keepalived sends (vrrp_build_ip4): TOS 0xc0, no fragment flags,
 * TTL 255, protocol 112, the given identification; the header checksum is filled in.
 */
export function encodeIpv4(opts: {
  readonly source: string;
  readonly destination: string;
  readonly id: number;
  readonly payload: Uint8Array;
}): Uint8Array {
  const out = new Uint8Array(IPV4_HEADER_LEN + opts.payload.length);
  const view = new DataView(out.buffer);
  out[0] = 0x45;
  out[1] = VRRP_TOS;
  view.setUint16(2, out.length);
  view.setUint16(4, opts.id & 0xffff);
  out[8] = VRRP_IP_TTL;
  out[9] = IPPROTO_VRRP;
  out.set(addressBytes(opts.source, 4), 12);
  out.set(addressBytes(opts.destination, 4), 16);
  view.setUint16(10, internetChecksum(out.subarray(0, IPV4_HEADER_LEN)));
  out.set(opts.payload, IPV4_HEADER_LEN);
  return out;
}
