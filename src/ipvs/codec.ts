import { addressToBytes, bytesToAddress } from './address.js';
import * as K from './constants.js';
import { IpvsDecodeError, IpvsInvalidObjectError } from './errors.js';
import { parseAttrs, read, type MessageWriter } from './netlink-wire.js';
import type {
  AddressFamily,
  DestKey,
  Destination,
  ForwardingMethod,
  IpvsInfo,
  ObservedDestination,
  ObservedService,
  Protocol,
  Service,
  ServiceKey,
  Stats,
  SyncDaemon,
  Timeouts,
  TunnelType,
} from './types.js';
import { ZERO_STATS } from './types.js';

/**
 * Pure codec of the IPVS generic netlink family (include/uapi/linux/ip_vs.h): our Service and
 * Destination <-> IPVS_CMD_ATTR_* attributes. Requests are laid out as libipvs (ipvsadm) lays
 * them out, attribute for attribute, so captured ipvsadm messages are byte-level test vectors.
 */

const AF_NUM: Record<AddressFamily, number> = { inet: K.AF_INET, inet6: K.AF_INET6 };
const PROTO_NUM: Record<Protocol, number> = { tcp: K.IPPROTO_TCP, udp: K.IPPROTO_UDP, sctp: K.IPPROTO_SCTP };
const FWD_NUM: Record<ForwardingMethod, number> = {
  masq: K.IP_VS_CONN_F_MASQ,
  local: K.IP_VS_CONN_F_LOCALNODE,
  tunnel: K.IP_VS_CONN_F_TUNNEL,
  droute: K.IP_VS_CONN_F_DROUTE,
  bypass: K.IP_VS_CONN_F_BYPASS,
};
const TUN_NUM: Record<TunnelType, number> = {
  ipip: K.IP_VS_CONN_F_TUNNEL_TYPE_IPIP,
  gue: K.IP_VS_CONN_F_TUNNEL_TYPE_GUE,
  gre: K.IP_VS_CONN_F_TUNNEL_TYPE_GRE,
};
const invert = <T extends string>(m: Record<T, number>): Map<number, T> =>
  new Map(Object.entries(m).map(([k, v]) => [v as number, k as T]));
const AF_NAME = invert(AF_NUM);
const PROTO_NAME = invert(PROTO_NUM);
const FWD_NAME = invert(FWD_NUM);
const TUN_NAME = invert(TUN_NUM);

function addrBytes(
  af: AddressFamily,
  address: string,
  object: { service?: ServiceKey; destination?: DestKey },
): Uint8Array {
  const b = addressToBytes(af, address);
  if (!b) throw new IpvsInvalidObjectError(`address ${address} is not ${af}`, object);
  return b;
}

function checkName(kind: string, name: string, max: number, service: ServiceKey): void {
  if (Buffer.byteLength(name) >= max) throw new IpvsInvalidObjectError(`${kind} name "${name}" too long`, { service });
}

/** IPVS_SVC_ATTR_* that identify a service (enough for DEL_SERVICE and the *_DEST commands). */
export function writeServiceKey(w: MessageWriter, key: ServiceKey): void {
  w.u16(K.IPVS_SVC_ATTR_AF, AF_NUM[key.af]);
  if (key.kind === 'fwmark') {
    w.u32(K.IPVS_SVC_ATTR_FWMARK, key.fwmark);
  } else {
    w.u16(K.IPVS_SVC_ATTR_PROTOCOL, PROTO_NUM[key.protocol]);
    w.bytes(K.IPVS_SVC_ATTR_ADDR, addrBytes(key.af, key.address, { service: key }));
    w.be16(K.IPVS_SVC_ATTR_PORT, key.port);
  }
}

/** A full IPVS_CMD_ATTR_SERVICE nest, in libipvs's order (NEW_SERVICE, SET_SERVICE). */
export function writeService(w: MessageWriter, s: Service): void {
  checkName('scheduler', s.scheduler, K.IP_VS_SCHEDNAME_MAXLEN, s.key);
  checkName('persistence engine', s.peName, K.IP_VS_PENAME_MAXLEN, s.key);
  w.beginNest(K.IPVS_CMD_ATTR_SERVICE);
  writeServiceKey(w, s.key);
  w.string(K.IPVS_SVC_ATTR_SCHED_NAME, s.scheduler);
  if (s.peName !== '') w.string(K.IPVS_SVC_ATTR_PE_NAME, s.peName);
  // struct ip_vs_flags { __u32 flags; __u32 mask; }: a full mask replaces every flag.
  const flags = Buffer.alloc(8);
  flags.writeUInt32LE(s.flags >>> 0, 0);
  flags.writeUInt32LE(0xffffffff, 4);
  w.bytes(K.IPVS_SVC_ATTR_FLAGS, flags);
  w.u32(K.IPVS_SVC_ATTR_TIMEOUT, Math.round(s.timeoutMs / 1000));
  // IPv4: a mask in network order (__be32). IPv6: a prefix length that the kernel reads back
  // as a plain u32 (ip_vs_ctl.c casts svc->netmask to __u32 for ipv6_addr_prefix).
  if (s.key.af === 'inet') w.be32(K.IPVS_SVC_ATTR_NETMASK, s.netmask);
  else w.u32(K.IPVS_SVC_ATTR_NETMASK, s.netmask);
  w.endNest();
}

/** An IPVS_CMD_ATTR_SERVICE nest with only the identifying attributes. */
export function writeServiceKeyNest(w: MessageWriter, key: ServiceKey): void {
  w.beginNest(K.IPVS_CMD_ATTR_SERVICE);
  writeServiceKey(w, key);
  w.endNest();
}

/** A full IPVS_CMD_ATTR_DEST nest, in libipvs's order (NEW_DEST, SET_DEST). */
export function writeDestination(w: MessageWriter, service: ServiceKey, d: Destination): void {
  w.beginNest(K.IPVS_CMD_ATTR_DEST);
  w.u16(K.IPVS_DEST_ATTR_ADDR_FAMILY, AF_NUM[d.key.af]);
  w.bytes(K.IPVS_DEST_ATTR_ADDR, addrBytes(d.key.af, d.key.address, { service, destination: d.key }));
  w.be16(K.IPVS_DEST_ATTR_PORT, d.key.port);
  w.u32(K.IPVS_DEST_ATTR_FWD_METHOD, FWD_NUM[d.forwarding]);
  w.u32(K.IPVS_DEST_ATTR_WEIGHT, d.weight);
  w.u8(K.IPVS_DEST_ATTR_TUN_TYPE, TUN_NUM[d.tunnelType]);
  w.be16(K.IPVS_DEST_ATTR_TUN_PORT, d.tunnelPort);
  w.u16(K.IPVS_DEST_ATTR_TUN_FLAGS, d.tunnelFlags);
  w.u32(K.IPVS_DEST_ATTR_U_THRESH, d.upperThreshold);
  w.u32(K.IPVS_DEST_ATTR_L_THRESH, d.lowerThreshold);
  w.endNest();
}

/** An IPVS_CMD_ATTR_DEST nest with only the identifying attributes (DEL_DEST). */
export function writeDestKeyNest(w: MessageWriter, service: ServiceKey, key: DestKey): void {
  w.beginNest(K.IPVS_CMD_ATTR_DEST);
  w.u16(K.IPVS_DEST_ATTR_ADDR_FAMILY, AF_NUM[key.af]);
  w.bytes(K.IPVS_DEST_ATTR_ADDR, addrBytes(key.af, key.address, { service, destination: key }));
  w.be16(K.IPVS_DEST_ATTR_PORT, key.port);
  w.endNest();
}

/** IPVS_CMD_ATTR_TIMEOUT_* for SET_CONFIG; the kernel keeps whole seconds, 0 = unchanged. */
export function writeTimeouts(w: MessageWriter, t: Timeouts): void {
  w.u32(K.IPVS_CMD_ATTR_TIMEOUT_TCP, Math.round(t.tcpMs / 1000));
  w.u32(K.IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, Math.round(t.tcpFinMs / 1000));
  w.u32(K.IPVS_CMD_ATTR_TIMEOUT_UDP, Math.round(t.udpMs / 1000));
}

/** An IPVS_CMD_ATTR_DAEMON nest for NEW_DAEMON; optional fields only when set, as ipvsadm. */
export function writeDaemon(w: MessageWriter, d: SyncDaemon): void {
  w.beginNest(K.IPVS_CMD_ATTR_DAEMON);
  w.u32(K.IPVS_DAEMON_ATTR_STATE, d.state === 'master' ? K.IP_VS_STATE_MASTER : K.IP_VS_STATE_BACKUP);
  w.string(K.IPVS_DAEMON_ATTR_MCAST_IFN, d.mcastInterface);
  w.u32(K.IPVS_DAEMON_ATTR_SYNC_ID, d.syncId);
  if (d.syncMaxLen) w.u16(K.IPVS_DAEMON_ATTR_SYNC_MAXLEN, d.syncMaxLen);
  if (d.mcastGroup !== '') {
    const v4 = addressToBytes('inet', d.mcastGroup);
    const v6 = v4 ? undefined : addressToBytes('inet6', d.mcastGroup);
    if (v4) w.bytes(K.IPVS_DAEMON_ATTR_MCAST_GROUP, v4.subarray(0, 4));
    else if (v6) w.bytes(K.IPVS_DAEMON_ATTR_MCAST_GROUP6, v6);
    else throw new IpvsInvalidObjectError(`multicast group ${d.mcastGroup} is not an address`);
  }
  if (d.mcastPort) w.u16(K.IPVS_DAEMON_ATTR_MCAST_PORT, d.mcastPort);
  if (d.mcastTtl) w.u8(K.IPVS_DAEMON_ATTR_MCAST_TTL, d.mcastTtl);
  w.endNest();
}

/** An IPVS_CMD_ATTR_DAEMON nest naming the daemon to stop (DEL_DAEMON). */
export function writeDaemonState(w: MessageWriter, state: SyncDaemon['state']): void {
  w.beginNest(K.IPVS_CMD_ATTR_DAEMON);
  w.u32(K.IPVS_DAEMON_ATTR_STATE, state === 'master' ? K.IP_VS_STATE_MASTER : K.IP_VS_STATE_BACKUP);
  w.endNest();
}

// ---- decoding ----------------------------------------------------------------------------

function need(attrs: Map<number, Buffer>, type: number, name: string): Buffer {
  const b = attrs.get(type);
  if (!b) throw new IpvsDecodeError(`missing ${name}`, 0);
  return b;
}

function afOf(n: number, what: string): AddressFamily {
  const af = AF_NAME.get(n);
  if (!af) throw new IpvsDecodeError(`${what}: unknown address family ${n}`, 0);
  return af;
}

function addressOf(af: AddressFamily, b: Buffer, what: string): string {
  if (b.length < (af === 'inet' ? 4 : 16)) throw new IpvsDecodeError(`${what}: ${b.length} bytes`, 0);
  return bytesToAddress(af, b);
}

/** The identifying attributes of a service nest (IPVS_SVC_ATTR_*). */
export function decodeServiceKey(a: Map<number, Buffer>): ServiceKey {
  const af = afOf(read.u16(need(a, K.IPVS_SVC_ATTR_AF, 'IPVS_SVC_ATTR_AF'), 'IPVS_SVC_ATTR_AF'), 'service');
  const fwmark = a.get(K.IPVS_SVC_ATTR_FWMARK);
  // ip_vs_genl_parse_service and ip_vs_genl_fill_service: a FWMARK attribute makes a
  // firewall-mark service, and then protocol, address and port are absent.
  if (fwmark) return { kind: 'fwmark', af, fwmark: read.u32(fwmark, 'IPVS_SVC_ATTR_FWMARK') };
  const protoNum = read.u16(need(a, K.IPVS_SVC_ATTR_PROTOCOL, 'IPVS_SVC_ATTR_PROTOCOL'), 'IPVS_SVC_ATTR_PROTOCOL');
  const protocol = PROTO_NAME.get(protoNum);
  if (!protocol) throw new IpvsDecodeError(`unknown service protocol ${protoNum}`, 0);
  return {
    kind: 'addr',
    af,
    protocol,
    address: addressOf(af, need(a, K.IPVS_SVC_ATTR_ADDR, 'IPVS_SVC_ATTR_ADDR'), 'IPVS_SVC_ATTR_ADDR'),
    port: read.be16(need(a, K.IPVS_SVC_ATTR_PORT, 'IPVS_SVC_ATTR_PORT'), 'IPVS_SVC_ATTR_PORT'),
  };
}

/** The writable part of a service nest (request or dump), HASHED stripped. */
export function decodeService(nest: Buffer): Service {
  return serviceOfAttrs(parseAttrs(nest));
}

function serviceOfAttrs(a: Map<number, Buffer>): Service {
  const flagsAttr = need(a, K.IPVS_SVC_ATTR_FLAGS, 'IPVS_SVC_ATTR_FLAGS');
  if (flagsAttr.length < 8) throw new IpvsDecodeError(`IPVS_SVC_ATTR_FLAGS: ${flagsAttr.length} bytes`, 0);
  const pe = a.get(K.IPVS_SVC_ATTR_PE_NAME);
  const key = decodeServiceKey(a);
  return {
    key,
    scheduler: nameOf(need(a, K.IPVS_SVC_ATTR_SCHED_NAME, 'IPVS_SVC_ATTR_SCHED_NAME'), 'IPVS_SVC_ATTR_SCHED_NAME'),
    flags: flagsAttr.readUInt32LE(0) & ~K.IP_VS_SVC_F_HASHED,
    timeoutMs: read.u32(need(a, K.IPVS_SVC_ATTR_TIMEOUT, 'IPVS_SVC_ATTR_TIMEOUT'), 'IPVS_SVC_ATTR_TIMEOUT') * 1000,
    netmask: (key.af === 'inet' ? read.be32 : read.u32)(
      need(a, K.IPVS_SVC_ATTR_NETMASK, 'IPVS_SVC_ATTR_NETMASK'),
      'IPVS_SVC_ATTR_NETMASK',
    ),
    peName: pe ? nameOf(pe, 'IPVS_SVC_ATTR_PE_NAME') : '',
  };
}

/**
 * A scheduler or persistence engine name: the kernel's are lower-case ASCII within
 * IP_VS_SCHEDNAME_MAXLEN / IP_VS_PENAME_MAXLEN (16 with the NUL); anything else is not a name
 * the kernel could have sent, and would otherwise reach a listing or a plan as garbage.
 */
function nameOf(b: Buffer, what: string): string {
  const name = read.string(b);
  if (name.length >= K.IP_VS_SCHEDNAME_MAXLEN || !/^[a-z0-9_]*$/.test(name)) {
    throw new IpvsDecodeError(`${what}: not a kernel name`, 0);
  }
  return name;
}

/** A service from a GET_SERVICE dump message's IPVS_CMD_ATTR_SERVICE, with its counters. */
export function decodeObservedService(nest: Buffer, withStats = true): Omit<ObservedService, 'destinations'> {
  const a = parseAttrs(nest);
  const stats = withStats ? decodeStats(a.get(K.IPVS_SVC_ATTR_STATS64), a.get(K.IPVS_SVC_ATTR_STATS)) : ZERO_STATS;
  return { ...serviceOfAttrs(a), stats };
}

/** The identifying attributes of a destination nest; `svcAf` when ADDR_FAMILY is absent. */
export function decodeDestKey(a: Map<number, Buffer>, svcAf: AddressFamily): DestKey {
  const afAttr = a.get(K.IPVS_DEST_ATTR_ADDR_FAMILY);
  const af = afAttr ? afOf(read.u16(afAttr, 'IPVS_DEST_ATTR_ADDR_FAMILY'), 'destination') : svcAf;
  return {
    af,
    address: addressOf(af, need(a, K.IPVS_DEST_ATTR_ADDR, 'IPVS_DEST_ATTR_ADDR'), 'IPVS_DEST_ATTR_ADDR'),
    port: read.be16(need(a, K.IPVS_DEST_ATTR_PORT, 'IPVS_DEST_ATTR_PORT'), 'IPVS_DEST_ATTR_PORT'),
  };
}

/** The writable part of a destination nest. Tunnel attributes default as on kernels < 5.2. */
export function decodeDestination(nest: Buffer, svcAf: AddressFamily): Destination {
  return destinationOfAttrs(parseAttrs(nest), svcAf);
}

function destinationOfAttrs(a: Map<number, Buffer>, svcAf: AddressFamily): Destination {
  const fwdNum = read.u32(
    need(a, K.IPVS_DEST_ATTR_FWD_METHOD, 'IPVS_DEST_ATTR_FWD_METHOD'),
    'IPVS_DEST_ATTR_FWD_METHOD',
  );
  const forwarding = FWD_NAME.get(fwdNum & K.IP_VS_CONN_F_FWD_MASK);
  if (!forwarding) throw new IpvsDecodeError(`unknown forwarding method ${fwdNum}`, 0);
  const tunType = a.get(K.IPVS_DEST_ATTR_TUN_TYPE);
  const tunNum = tunType ? read.u8(tunType, 'IPVS_DEST_ATTR_TUN_TYPE') : K.IP_VS_CONN_F_TUNNEL_TYPE_IPIP;
  const tunnelType = TUN_NAME.get(tunNum);
  if (!tunnelType) throw new IpvsDecodeError(`unknown tunnel type ${tunNum}`, 0);
  const opt16 = (t: number, name: string, be: boolean): number => {
    const b = a.get(t);
    return b ? (be ? read.be16(b, name) : read.u16(b, name)) : 0;
  };
  return {
    key: decodeDestKey(a, svcAf),
    forwarding,
    weight: read.u32(need(a, K.IPVS_DEST_ATTR_WEIGHT, 'IPVS_DEST_ATTR_WEIGHT'), 'IPVS_DEST_ATTR_WEIGHT') | 0,
    upperThreshold: read.u32(need(a, K.IPVS_DEST_ATTR_U_THRESH, 'IPVS_DEST_ATTR_U_THRESH'), 'IPVS_DEST_ATTR_U_THRESH'),
    lowerThreshold: read.u32(need(a, K.IPVS_DEST_ATTR_L_THRESH, 'IPVS_DEST_ATTR_L_THRESH'), 'IPVS_DEST_ATTR_L_THRESH'),
    tunnelType,
    tunnelPort: opt16(K.IPVS_DEST_ATTR_TUN_PORT, 'IPVS_DEST_ATTR_TUN_PORT', true),
    tunnelFlags: opt16(K.IPVS_DEST_ATTR_TUN_FLAGS, 'IPVS_DEST_ATTR_TUN_FLAGS', false),
  };
}

/** A destination from a GET_DEST dump message, with connection counts and counters. */
export function decodeObservedDestination(nest: Buffer, svcAf: AddressFamily, withStats = true): ObservedDestination {
  const a = parseAttrs(nest);
  const u32 = (t: number, name: string): number => read.u32(need(a, t, name), name);
  return {
    ...destinationOfAttrs(a, svcAf),
    activeConns: u32(K.IPVS_DEST_ATTR_ACTIVE_CONNS, 'IPVS_DEST_ATTR_ACTIVE_CONNS'),
    inactiveConns: u32(K.IPVS_DEST_ATTR_INACT_CONNS, 'IPVS_DEST_ATTR_INACT_CONNS'),
    persistConns: u32(K.IPVS_DEST_ATTR_PERSIST_CONNS, 'IPVS_DEST_ATTR_PERSIST_CONNS'),
    stats: withStats ? decodeStats(a.get(K.IPVS_DEST_ATTR_STATS64), a.get(K.IPVS_DEST_ATTR_STATS)) : ZERO_STATS,
  };
}

const STAT_FIELDS: readonly [number, keyof Stats][] = [
  [K.IPVS_STATS_ATTR_CONNS, 'conns'],
  [K.IPVS_STATS_ATTR_INPKTS, 'inPkts'],
  [K.IPVS_STATS_ATTR_OUTPKTS, 'outPkts'],
  [K.IPVS_STATS_ATTR_INBYTES, 'inBytes'],
  [K.IPVS_STATS_ATTR_OUTBYTES, 'outBytes'],
  [K.IPVS_STATS_ATTR_CPS, 'cps'],
  [K.IPVS_STATS_ATTR_INPPS, 'inPps'],
  [K.IPVS_STATS_ATTR_OUTPPS, 'outPps'],
  [K.IPVS_STATS_ATTR_INBPS, 'inBps'],
  [K.IPVS_STATS_ATTR_OUTBPS, 'outBps'],
];

/**
 * Counters from STATS64 (every value u64, kernels >= 4.1) or else STATS (u32 except the two
 * byte counters, which are u64: ip_vs_genl_fill_stats).
 */
export function decodeStats(stats64: Buffer | undefined, stats32: Buffer | undefined): Stats {
  if (stats64) {
    const a = parseAttrs(stats64);
    const out: Record<keyof Stats, bigint> = { ...ZERO_STATS };
    for (const [t, k] of STAT_FIELDS) {
      const b = a.get(t);
      if (b) out[k] = read.u64(b, `IPVS_STATS_ATTR ${t}`);
    }
    return out;
  }
  if (stats32) {
    const a = parseAttrs(stats32);
    const out: Record<keyof Stats, bigint> = { ...ZERO_STATS };
    for (const [t, k] of STAT_FIELDS) {
      const b = a.get(t);
      if (!b) continue;
      const wide = t === K.IPVS_STATS_ATTR_INBYTES || t === K.IPVS_STATS_ATTR_OUTBYTES;
      out[k] = wide ? read.u64(b, `IPVS_STATS_ATTR ${t}`) : BigInt(read.u32(b, `IPVS_STATS_ATTR ${t}`));
    }
    return out;
  }
  return ZERO_STATS;
}

/** GET_INFO reply attributes. */
export function decodeInfo(attrs: Buffer): IpvsInfo {
  const a = parseAttrs(attrs);
  return {
    version: read.u32(need(a, K.IPVS_INFO_ATTR_VERSION, 'IPVS_INFO_ATTR_VERSION'), 'IPVS_INFO_ATTR_VERSION'),
    connTableSize: read.u32(
      need(a, K.IPVS_INFO_ATTR_CONN_TAB_SIZE, 'IPVS_INFO_ATTR_CONN_TAB_SIZE'),
      'IPVS_INFO_ATTR_CONN_TAB_SIZE',
    ),
  };
}

/** GET_CONFIG reply (or SET_CONFIG request) attributes. */
export function decodeTimeouts(attrs: Buffer): Timeouts {
  const a = parseAttrs(attrs);
  const s = (t: number, name: string): number => {
    const b = a.get(t);
    return b ? read.u32(b, name) * 1000 : 0;
  };
  return {
    tcpMs: s(K.IPVS_CMD_ATTR_TIMEOUT_TCP, 'IPVS_CMD_ATTR_TIMEOUT_TCP'),
    tcpFinMs: s(K.IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, 'IPVS_CMD_ATTR_TIMEOUT_TCP_FIN'),
    udpMs: s(K.IPVS_CMD_ATTR_TIMEOUT_UDP, 'IPVS_CMD_ATTR_TIMEOUT_UDP'),
  };
}

/** An IPVS_CMD_ATTR_DAEMON nest (GET_DAEMON reply or NEW_DAEMON request). */
export function decodeDaemon(nest: Buffer): SyncDaemon {
  const a = parseAttrs(nest);
  const stateNum = read.u32(need(a, K.IPVS_DAEMON_ATTR_STATE, 'IPVS_DAEMON_ATTR_STATE'), 'IPVS_DAEMON_ATTR_STATE');
  const g4 = a.get(K.IPVS_DAEMON_ATTR_MCAST_GROUP);
  const g6 = a.get(K.IPVS_DAEMON_ATTR_MCAST_GROUP6);
  const ifn = a.get(K.IPVS_DAEMON_ATTR_MCAST_IFN);
  const maxlen = a.get(K.IPVS_DAEMON_ATTR_SYNC_MAXLEN);
  const port = a.get(K.IPVS_DAEMON_ATTR_MCAST_PORT);
  const ttl = a.get(K.IPVS_DAEMON_ATTR_MCAST_TTL);
  const syncId = a.get(K.IPVS_DAEMON_ATTR_SYNC_ID);
  return {
    state: stateNum & K.IP_VS_STATE_BACKUP ? 'backup' : 'master',
    mcastInterface: ifn ? read.string(ifn) : '',
    syncId: syncId ? read.u32(syncId, 'IPVS_DAEMON_ATTR_SYNC_ID') : 0,
    syncMaxLen: maxlen ? read.u16(maxlen, 'IPVS_DAEMON_ATTR_SYNC_MAXLEN') : 0,
    mcastGroup: g6 ? addressOf('inet6', g6, 'MCAST_GROUP6') : g4 ? addressOf('inet', g4, 'MCAST_GROUP') : '',
    mcastPort: port ? read.u16(port, 'IPVS_DAEMON_ATTR_MCAST_PORT') : 0,
    mcastTtl: ttl ? read.u8(ttl, 'IPVS_DAEMON_ATTR_MCAST_TTL') : 0,
  };
}
