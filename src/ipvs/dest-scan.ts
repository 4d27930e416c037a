import { bytesToAddress } from './address.js';
import * as K from './constants.js';
import { IpvsDecodeError } from './errors.js';
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

// Bits of the attributes seen, for the required-attribute checks.
const SEEN_ADDR = 1;
const SEEN_PORT = 2;
const SEEN_FWD = 4;
const SEEN_WEIGHT = 8;
const SEEN_U = 16;
const SEEN_L = 32;
const SEEN_ACTIVE = 64;
const SEEN_INACT = 128;
const SEEN_PERSIST = 256;
const REQUIRED: readonly [number, string][] = [
  [SEEN_ADDR, 'IPVS_DEST_ATTR_ADDR'],
  [SEEN_PORT, 'IPVS_DEST_ATTR_PORT'],
  [SEEN_FWD, 'IPVS_DEST_ATTR_FWD_METHOD'],
  [SEEN_WEIGHT, 'IPVS_DEST_ATTR_WEIGHT'],
  [SEEN_U, 'IPVS_DEST_ATTR_U_THRESH'],
  [SEEN_L, 'IPVS_DEST_ATTR_L_THRESH'],
  [SEEN_ACTIVE, 'IPVS_DEST_ATTR_ACTIVE_CONNS'],
  [SEEN_INACT, 'IPVS_DEST_ATTR_INACT_CONNS'],
  [SEEN_PERSIST, 'IPVS_DEST_ATTR_PERSIST_CONNS'],
];

/** Size check of one attribute payload. */
function need(len: number, want: number, what: string, at: number): void {
  if (len < want) throw new IpvsDecodeError(`${what}: ${len} bytes`, at);
}

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
    if (payload.length - off < K.NLA_HDRLEN) throw new IpvsDecodeError('truncated attribute header', off);
    const len = payload.readUInt16LE(off);
    if (len < K.NLA_HDRLEN || len > payload.length - off) throw new IpvsDecodeError(`attribute length ${len}`, off);
    if ((payload.readUInt16LE(off + 2) & K.NLA_TYPE_MASK) === K.IPVS_CMD_ATTR_DEST) {
      nest = off + K.NLA_HDRLEN;
      nestEnd = off + len;
    }
    off += (len + 3) & ~3;
  }
  if (nest === -1) throw new IpvsDecodeError('dump message without attribute 2', 0);

  let seen = 0;
  let af: AddressFamily = svcAf;
  let addrAt = -1;
  let addrLen = 0;
  let port = 0;
  let fwd = 0;
  let weight = 0;
  let upper = 0;
  let lower = 0;
  let active = 0;
  let inactive = 0;
  let persist = 0;
  let tunType = K.IP_VS_CONN_F_TUNNEL_TYPE_IPIP;
  let tunPort = 0;
  let tunFlags = 0;
  for (let off = nest; off < nestEnd;) {
    if (nestEnd - off < K.NLA_HDRLEN) throw new IpvsDecodeError('truncated attribute header', off);
    const len = payload.readUInt16LE(off);
    if (len < K.NLA_HDRLEN || len > nestEnd - off) throw new IpvsDecodeError(`attribute length ${len}`, off);
    const type = payload.readUInt16LE(off + 2) & K.NLA_TYPE_MASK;
    const v = off + K.NLA_HDRLEN;
    const n = len - K.NLA_HDRLEN;
    switch (type) {
      case K.IPVS_DEST_ATTR_ADDR:
        addrAt = v;
        addrLen = n;
        seen |= SEEN_ADDR;
        break;
      case K.IPVS_DEST_ATTR_PORT:
        need(n, 2, 'IPVS_DEST_ATTR_PORT', off);
        port = payload.readUInt16BE(v);
        seen |= SEEN_PORT;
        break;
      case K.IPVS_DEST_ATTR_FWD_METHOD:
        need(n, 4, 'IPVS_DEST_ATTR_FWD_METHOD', off);
        fwd = payload.readUInt32LE(v);
        seen |= SEEN_FWD;
        break;
      case K.IPVS_DEST_ATTR_WEIGHT:
        need(n, 4, 'IPVS_DEST_ATTR_WEIGHT', off);
        weight = payload.readInt32LE(v);
        seen |= SEEN_WEIGHT;
        break;
      case K.IPVS_DEST_ATTR_U_THRESH:
        need(n, 4, 'IPVS_DEST_ATTR_U_THRESH', off);
        upper = payload.readUInt32LE(v);
        seen |= SEEN_U;
        break;
      case K.IPVS_DEST_ATTR_L_THRESH:
        need(n, 4, 'IPVS_DEST_ATTR_L_THRESH', off);
        lower = payload.readUInt32LE(v);
        seen |= SEEN_L;
        break;
      case K.IPVS_DEST_ATTR_ACTIVE_CONNS:
        need(n, 4, 'IPVS_DEST_ATTR_ACTIVE_CONNS', off);
        active = payload.readUInt32LE(v);
        seen |= SEEN_ACTIVE;
        break;
      case K.IPVS_DEST_ATTR_INACT_CONNS:
        need(n, 4, 'IPVS_DEST_ATTR_INACT_CONNS', off);
        inactive = payload.readUInt32LE(v);
        seen |= SEEN_INACT;
        break;
      case K.IPVS_DEST_ATTR_PERSIST_CONNS:
        need(n, 4, 'IPVS_DEST_ATTR_PERSIST_CONNS', off);
        persist = payload.readUInt32LE(v);
        seen |= SEEN_PERSIST;
        break;
      case K.IPVS_DEST_ATTR_ADDR_FAMILY: {
        need(n, 2, 'IPVS_DEST_ATTR_ADDR_FAMILY', off);
        const num = payload.readUInt16LE(v);
        if (num === K.AF_INET) af = 'inet';
        else if (num === K.AF_INET6) af = 'inet6';
        else throw new IpvsDecodeError(`destination: unknown address family ${num}`, off);
        break;
      }
      case K.IPVS_DEST_ATTR_TUN_TYPE:
        need(n, 1, 'IPVS_DEST_ATTR_TUN_TYPE', off);
        tunType = payload.readUInt8(v);
        break;
      case K.IPVS_DEST_ATTR_TUN_PORT:
        need(n, 2, 'IPVS_DEST_ATTR_TUN_PORT', off);
        tunPort = payload.readUInt16BE(v);
        break;
      case K.IPVS_DEST_ATTR_TUN_FLAGS:
        need(n, 2, 'IPVS_DEST_ATTR_TUN_FLAGS', off);
        tunFlags = payload.readUInt16LE(v);
        break;
      default:
        // Counters and attributes of newer kernels.
        break;
    }
    off += (len + 3) & ~3;
  }
  for (const [bit, name] of REQUIRED) if (!(seen & bit)) throw new IpvsDecodeError(`missing ${name}`, 0);
  need(addrLen, af === 'inet' ? 4 : 16, 'IPVS_DEST_ATTR_ADDR', addrAt);
  const forwarding = FWD[fwd & K.IP_VS_CONN_F_FWD_MASK];
  if (!forwarding) throw new IpvsDecodeError(`unknown forwarding method ${fwd}`, 0);
  const tunnelType = TUN[tunType];
  if (!tunnelType) throw new IpvsDecodeError(`unknown tunnel type ${tunType}`, 0);
  // Formatted in place, at its offset: no sub-buffer per destination.
  const address = bytesToAddress(af, payload, addrAt);
  return {
    key: { af, address, port },
    forwarding,
    weight,
    upperThreshold: upper,
    lowerThreshold: lower,
    tunnelType,
    tunnelPort: tunPort,
    tunnelFlags: tunFlags,
    activeConns: active,
    inactiveConns: inactive,
    persistConns: persist,
    stats: ZERO_STATS,
  };
}
