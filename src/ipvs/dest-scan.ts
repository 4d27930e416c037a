import { bytesToAddress } from './address.js';
import * as K from './constants.js';
import { IpvsDecodeError } from './errors.js';
import { align4, attrLength, needBytes } from './netlink-wire.js';
import {
  ZERO_STATS,
  type AddressFamily,
  type ForwardingMethod,
  type ObservedDestination,
  type TunnelType,
} from './types.js';

/**
 * Pure, allocation-light decoding of one GET_DEST dump message, for reconcile passes that read
 * 100,000 destinations: one walk over the attributes with reads at offsets, no attribute map
 * and no sub-buffers (codec.ts's decodeObservedDestination builds both, and is the reference
 * this must agree with; counters are left at 0). Same checks, same errors.
 */

const FWD: readonly (ForwardingMethod | undefined)[] = ['masq', 'local', 'tunnel', 'droute', 'bypass'];
const TUN: readonly (TunnelType | undefined)[] = ['ipip', 'gue', 'gre'];

/** Attribute names by type, for errors: the constants' own names. */
const ATTR_NAME: string[] = [];
for (const [name, type] of Object.entries(K)) {
  if (name.startsWith('IPVS_DEST_ATTR_') && typeof type === 'number') ATTR_NAME[type] = name;
}

/**
 * The 4-byte attributes (FWD_METHOD to PERSIST_CONNS) of the message being scanned, by type:
 * one scratch array for every scan, as a scan runs to its end without yielding.
 */
const u32 = new Uint32Array(K.IPVS_DEST_ATTR_PERSIST_CONNS + 1);

/**
 * The destination in a GET_DEST dump message payload (genlmsghdr and attributes), counters
 * not decoded. `svcAf` is the family when IPVS_DEST_ATTR_ADDR_FAMILY is absent.
 */
export function scanDestination(payload: Buffer, svcAf: AddressFamily): ObservedDestination {
  if (payload.length < K.GENL_HDRLEN) throw new IpvsDecodeError('truncated genetlink header', 0);
  // Find IPVS_CMD_ATTR_DEST among the top-level attributes (the last one wins, as nla_parse).
  let nest = -1;
  let nestEnd = -1;
  for (let off = K.GENL_HDRLEN; off < payload.length;) {
    const len = attrLength(payload, off, payload.length);
    if ((payload.readUInt16LE(off + 2) & K.NLA_TYPE_MASK) === K.IPVS_CMD_ATTR_DEST) {
      nest = off + K.NLA_HDRLEN;
      nestEnd = off + len;
    }
    off += align4(len);
  }
  if (nest === -1) throw new IpvsDecodeError('dump message without attribute 2', 0);

  // Bit t set: attribute type t seen. Types 1 to 9 (ADDR to PERSIST_CONNS) are required.
  let seen = 0;
  let af: AddressFamily = svcAf;
  let addrAt = -1;
  let addrLen = 0;
  let port = 0;
  u32.fill(0);
  let tunType = K.IP_VS_CONN_F_TUNNEL_TYPE_IPIP;
  let tunPort = 0;
  let tunFlags = 0;
  for (let off = nest; off < nestEnd;) {
    const len = attrLength(payload, off, nestEnd);
    const type = payload.readUInt16LE(off + 2) & K.NLA_TYPE_MASK;
    const v = off + K.NLA_HDRLEN;
    const n = len - K.NLA_HDRLEN;
    // Deliberately the same decisions as codec.ts's decodeObservedDestination (which goes
    // through parseAttrs and read.*), inlined as reads at offsets: this is the hot path.
    switch (type) {
      case K.IPVS_DEST_ATTR_ADDR:
        addrAt = v;
        addrLen = n;
        seen |= 1 << type;
        break;
      case K.IPVS_DEST_ATTR_PORT:
        needBytes(n, 2, 'IPVS_DEST_ATTR_PORT', off);
        port = payload.readUInt16BE(v);
        seen |= 1 << type;
        break;
      case K.IPVS_DEST_ATTR_FWD_METHOD:
      case K.IPVS_DEST_ATTR_WEIGHT:
      case K.IPVS_DEST_ATTR_U_THRESH:
      case K.IPVS_DEST_ATTR_L_THRESH:
      case K.IPVS_DEST_ATTR_ACTIVE_CONNS:
      case K.IPVS_DEST_ATTR_INACT_CONNS:
      case K.IPVS_DEST_ATTR_PERSIST_CONNS:
        needBytes(n, 4, ATTR_NAME[type] ?? String(type), off);
        u32[type] = payload.readUInt32LE(v);
        seen |= 1 << type;
        break;
      case K.IPVS_DEST_ATTR_ADDR_FAMILY: {
        needBytes(n, 2, 'IPVS_DEST_ATTR_ADDR_FAMILY', off);
        const num = payload.readUInt16LE(v);
        if (num === K.AF_INET) af = 'inet';
        else if (num === K.AF_INET6) af = 'inet6';
        else throw new IpvsDecodeError(`destination: unknown address family ${num}`, off);
        break;
      }
      case K.IPVS_DEST_ATTR_TUN_TYPE:
        needBytes(n, 1, 'IPVS_DEST_ATTR_TUN_TYPE', off);
        tunType = payload.readUInt8(v);
        break;
      case K.IPVS_DEST_ATTR_TUN_PORT:
        needBytes(n, 2, 'IPVS_DEST_ATTR_TUN_PORT', off);
        tunPort = payload.readUInt16BE(v);
        break;
      case K.IPVS_DEST_ATTR_TUN_FLAGS:
        needBytes(n, 2, 'IPVS_DEST_ATTR_TUN_FLAGS', off);
        tunFlags = payload.readUInt16LE(v);
        break;
      default:
        // Counters and attributes of newer kernels.
        break;
    }
    off += align4(len);
  }
  for (let t = K.IPVS_DEST_ATTR_ADDR; t <= K.IPVS_DEST_ATTR_PERSIST_CONNS; t++) {
    if (!(seen & (1 << t))) throw new IpvsDecodeError(`missing ${ATTR_NAME[t] ?? t}`, 0);
  }
  needBytes(addrLen, af === 'inet' ? 4 : 16, 'IPVS_DEST_ATTR_ADDR', addrAt);
  const fwd = u32[K.IPVS_DEST_ATTR_FWD_METHOD] ?? 0;
  const forwarding = FWD[fwd & K.IP_VS_CONN_F_FWD_MASK];
  if (!forwarding) throw new IpvsDecodeError(`unknown forwarding method ${fwd}`, 0);
  const tunnelType = TUN[tunType];
  if (!tunnelType) throw new IpvsDecodeError(`unknown tunnel type ${tunType}`, 0);
  // Formatted in place, at its offset: no sub-buffer per destination.
  const address = bytesToAddress(af, payload, addrAt);
  return {
    key: { af, address, port },
    forwarding,
    // The kernel's weight is a signed 32-bit value.
    weight: (u32[K.IPVS_DEST_ATTR_WEIGHT] ?? 0) | 0,
    upperThreshold: u32[K.IPVS_DEST_ATTR_U_THRESH] ?? 0,
    lowerThreshold: u32[K.IPVS_DEST_ATTR_L_THRESH] ?? 0,
    tunnelType,
    tunnelPort: tunPort,
    tunnelFlags: tunFlags,
    activeConns: u32[K.IPVS_DEST_ATTR_ACTIVE_CONNS] ?? 0,
    inactiveConns: u32[K.IPVS_DEST_ATTR_INACT_CONNS] ?? 0,
    persistConns: u32[K.IPVS_DEST_ATTR_PERSIST_CONNS] ?? 0,
    stats: ZERO_STATS,
  };
}
