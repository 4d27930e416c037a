/**
 * The project's own model of the IPVS table. Netlink types never leave the codec; everything
 * above it (planner, fake, reconciler, formatter) speaks these plain, readonly structures.
 * Addresses are canonical text (inet_ntop's form), so equal addresses compare equal as strings.
 */

/** Address family of a service or destination (AF_INET, AF_INET6). */
export type AddressFamily = 'inet' | 'inet6';

/** Transport protocol of an address-based service (IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP). */
export type Protocol = 'tcp' | 'udp' | 'sctp';

/** How IPVS reaches a destination (IP_VS_CONN_F_* in ip_vs.h). */
export type ForwardingMethod = 'masq' | 'local' | 'tunnel' | 'droute' | 'bypass';

/** Encapsulation of a tunnel destination (IP_VS_CONN_F_TUNNEL_TYPE_* in ip_vs.h). */
export type TunnelType = 'ipip' | 'gue' | 'gre';

/** A virtual service is identified either by protocol, address and port, or by a firewall mark. */
export type ServiceKey =
  | {
      readonly kind: 'addr';
      readonly af: AddressFamily;
      readonly protocol: Protocol;
      readonly address: string;
      readonly port: number;
    }
  | { readonly kind: 'fwmark'; readonly af: AddressFamily; readonly fwmark: number };

/** A destination is identified inside its service by address and port. */
export interface DestKey {
  readonly af: AddressFamily;
  readonly address: string;
  readonly port: number;
}

/** The writable part of a virtual service. */
export interface Service {
  readonly key: ServiceKey;
  readonly scheduler: string;
  /** IP_VS_SVC_F_* bits, without IP_VS_SVC_F_HASHED (the kernel's own bookkeeping). */
  readonly flags: number;
  /** Persistence timeout; the kernel keeps whole seconds. */
  readonly timeoutMs: number;
  /**
   * Persistence granularity as the kernel stores it (IPVS_SVC_ATTR_NETMASK): for IPv4 a mask
   * whose bytes are in network order read as an unsigned integer (255.255.255.255 is
   * 0xffffffff), for IPv6 a prefix length.
   */
  readonly netmask: number;
  /** Persistence engine name ("sip"), or "" for none. */
  readonly peName: string;
}

/** The writable part of a destination (real server). */
export interface Destination {
  readonly key: DestKey;
  readonly forwarding: ForwardingMethod;
  readonly weight: number;
  readonly upperThreshold: number;
  readonly lowerThreshold: number;
  readonly tunnelType: TunnelType;
  /** GUE destination port; 0 otherwise. */
  readonly tunnelPort: number;
  /** IP_VS_TUNNEL_ENCAP_FLAG_* bits. */
  readonly tunnelFlags: number;
}

/** Kernel counters and rate estimates (IPVS_STATS_ATTR_*), 64-bit. */
export interface Stats {
  readonly conns: bigint;
  readonly inPkts: bigint;
  readonly outPkts: bigint;
  readonly inBytes: bigint;
  readonly outBytes: bigint;
  readonly cps: bigint;
  readonly inPps: bigint;
  readonly outPps: bigint;
  readonly inBps: bigint;
  readonly outBps: bigint;
}

/** A destination as read from the kernel. */
export interface ObservedDestination extends Destination {
  readonly activeConns: number;
  readonly inactiveConns: number;
  readonly persistConns: number;
  readonly stats: Stats;
}

/** A service as read from the kernel, with its destinations in the kernel's order. */
export interface ObservedService extends Service {
  readonly stats: Stats;
  readonly destinations: readonly ObservedDestination[];
}

/** A desired service with its desired destinations. */
export interface DesiredService extends Service {
  readonly destinations: readonly Destination[];
}

/** GET_INFO: the IPVS version and connection table size. */
export interface IpvsInfo {
  /** IP_VS_VERSION_CODE, e.g. 0x010201 for 1.2.1. */
  readonly version: number;
  readonly connTableSize: number;
}

/** Connection timeouts (GET_CONFIG / SET_CONFIG); 0 in a SET leaves a value unchanged. */
export interface Timeouts {
  readonly tcpMs: number;
  readonly tcpFinMs: number;
  readonly udpMs: number;
}

/** One connection synchronisation daemon (IPVS_CMD_ATTR_DAEMON). */
export interface SyncDaemon {
  readonly state: 'master' | 'backup';
  readonly mcastInterface: string;
  readonly syncId: number;
  /** UDP payload size; 0 lets the kernel choose. */
  readonly syncMaxLen: number;
  /** Multicast group, "" for the kernel's default. */
  readonly mcastGroup: string;
  readonly mcastPort: number;
  readonly mcastTtl: number;
}

/** Zero counters: of everything, or of one service. */
export type ZeroTarget = { readonly all: true } | { readonly all: false; readonly service: ServiceKey };

/** One change to the kernel table: what the planner emits and the client applies. */
export type Op =
  | {
      readonly op: 'addService';
      readonly service: Service;
      /**
       * Fail with EEXIST instead of editing a service that already exists: the reconciler's
       * adds, since a service that appeared after its last dump may be another tool's.
       */
      readonly exclusive?: true;
    }
  | { readonly op: 'updateService'; readonly service: Service }
  | { readonly op: 'deleteService'; readonly key: ServiceKey }
  | { readonly op: 'addDestination'; readonly service: ServiceKey; readonly destination: Destination }
  | { readonly op: 'updateDestination'; readonly service: ServiceKey; readonly destination: Destination }
  | { readonly op: 'deleteDestination'; readonly service: ServiceKey; readonly key: DestKey };

/** The kinds of {@link Op}; bounded, so they may be metric label values. */
export type OpKind = Op['op'];

/** Identity of a service as a Map key. Built only here; never parsed back. */
export function serviceId(key: ServiceKey): string {
  return key.kind === 'fwmark' ? `fwm|${key.af}|${key.fwmark}` : `${key.protocol}|${key.address}|${key.port}`;
}

/** Identity of a destination inside its service, as a Map key. Never parsed back. */
export function destId(key: DestKey): string {
  return `${key.address}|${key.port}`;
}

/** Identity of a destination across the table, as a Map key. Never parsed back. */
export function serviceDestId(service: ServiceKey, dest: DestKey): string {
  return `${serviceId(service)}>${destId(dest)}`;
}

/** All-zero counters, for services and destinations that have none yet. */
export const ZERO_STATS: Stats = {
  conns: 0n,
  inPkts: 0n,
  outPkts: 0n,
  inBytes: 0n,
  outBytes: 0n,
  cps: 0n,
  inPps: 0n,
  outPps: 0n,
  inBps: 0n,
  outBps: 0n,
};

/** A desired service as the kernel shows it once written: no connections, zero counters. */
export function idleObserved(service: DesiredService): ObservedService {
  return {
    ...service,
    stats: ZERO_STATS,
    destinations: service.destinations.map((d) => ({
      ...d,
      activeConns: 0,
      inactiveConns: 0,
      persistConns: 0,
      stats: ZERO_STATS,
    })),
  };
}
