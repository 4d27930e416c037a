/**
 * The VRRP model past the configuration boundary: everything parsed, durations in
 * milliseconds, defaults applied. Code in src/vrrp never re-validates these objects.
 */

/** Address family of an instance; VRRPv2 is IPv4 only (RFC 3768). */
export type AddressFamily = 4 | 6;

/** Protocol version: 2 (RFC 3768) or 3 (RFC 5798). */
export type VrrpVersion = 2 | 3;

/** Names of the RFC 5798 states plus keepalived's FAULT. */
export type VrrpStateName = 'initialize' | 'backup' | 'master' | 'fault';

/** VRRPv2 authentication as sent on the wire; the password is already resolved from its Secret. */
export type VrrpAuth = { readonly type: 'none' } | { readonly type: 'pass'; readonly password: string };

/** An interface whose link state moves the priority, or faults the instance when weight is 0. */
export interface TrackInterface {
  readonly name: string;
  /** keepalived semantics: >0 added while up, <0 added while down, 0 means FAULT while down. */
  readonly weight: number;
}

/** A script run periodically; exit status 0 is success. */
export interface TrackScript {
  readonly name: string;
  /** argv: the program and its arguments, run without a shell. */
  readonly command: readonly string[];
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Consecutive successes that make a failed script good again. */
  readonly rise: number;
  /** Consecutive failures that make a good script failed. */
  readonly fall: number;
  /** keepalived semantics: >0 added while good, <0 added while failed, 0 means FAULT while failed. */
  readonly weight: number;
}

/** Gratuitous ARP / unsolicited NA timing, as keepalived's garp_master_* keywords. */
export interface GarpConfig {
  /** Second burst after becoming master (garp_master_delay); 0 disables it. */
  readonly masterDelayMs: number;
  /** Frames per address in each burst (garp_master_repeat). */
  readonly masterRepeat: number;
  /** Period of the refresh burst while master (garp_master_refresh); 0 disables it. */
  readonly masterRefreshMs: number;
  /** Frames per address in a refresh burst (garp_master_refresh_repeat). */
  readonly masterRefreshRepeat: number;
}

/** Programs run on a transition (keepalived's notify_* keywords), argv form. */
export interface NotifyHooks {
  readonly master?: readonly string[];
  readonly backup?: readonly string[];
  readonly fault?: readonly string[];
  readonly stop?: readonly string[];
  /** Run on every transition with the extra arguments `INSTANCE <name> <STATE> <priority>`. */
  readonly any?: readonly string[];
}

/** One normalised VRRP instance. */
export interface VrrpInstanceConfig {
  /** A name for logs, notify hooks and the `group` metric label. */
  readonly name: string;
  readonly vrid: number;
  readonly version: VrrpVersion;
  readonly family: AddressFamily;
  readonly interface: string;
  /** Configured priority, 1..255; 255 makes this router the address owner. */
  readonly priority: number;
  readonly advertIntervalMs: number;
  readonly preempt: boolean;
  readonly preemptDelayMs: number;
  /** Virtual addresses in canonical text form, with prefix length (e.g. `10.0.0.1/32`). */
  readonly virtualIPs: readonly VirtualIp[];
  /** Unicast peers; empty means multicast. */
  readonly unicastPeers: readonly string[];
  /** Source address of adverts; undefined means the interface's primary address. */
  readonly unicastSrc?: string;
  readonly auth: VrrpAuth;
  /** RFC 5798 §6.1 Accept_Mode: a non-owner master accepts packets sent to the VIPs. */
  readonly acceptMode: boolean;
  readonly trackInterfaces: readonly TrackInterface[];
  readonly trackScripts: readonly TrackScript[];
  readonly garp: GarpConfig;
  readonly notify: NotifyHooks;
}

/** A virtual address and its prefix length. */
export interface VirtualIp {
  readonly address: string;
  readonly prefixLength: number;
}

/** A decoded ADVERTISEMENT (both versions); times in milliseconds. */
export interface Advert {
  readonly version: VrrpVersion;
  readonly vrid: number;
  readonly priority: number;
  readonly advertIntervalMs: number;
  /** Virtual addresses carried in the advert, canonical text form. */
  readonly addresses: readonly string[];
  /** v2 only: auth type and the 8 raw bytes of auth data. */
  readonly authType?: number;
  readonly authData?: Uint8Array;
}

/** What the IP layer tells the receiver about a packet. */
export interface ReceivedMeta {
  readonly family: AddressFamily;
  readonly source: string;
  /** Destination address when known (always for IPv4; IPv6 multicast implied otherwise). */
  readonly destination?: string;
  /** TTL / hop limit when the socket reports it. */
  readonly ttl?: number;
}

/**
 * Why a received packet was dropped. A value, not an exception (STYLE.md "Errors"); each is a
 * label value of `lvs_vrrp_adverts_dropped_total{reason}`.
 */
export type DropReason =
  | 'short_packet'
  | 'bad_ip_header'
  | 'bad_length'
  | 'bad_version'
  | 'bad_type'
  | 'bad_checksum'
  | 'bad_ttl'
  | 'bad_address_count'
  | 'version_mismatch'
  | 'unknown_vrid'
  | 'auth_type_mismatch'
  | 'auth_failure'
  | 'interval_mismatch'
  | 'address_list_mismatch'
  | 'unicast_mismatch'
  | 'unknown_peer'
  | 'own_advert';

/** Every drop reason, for metrics initialisation and tests. */
export const DROP_REASONS: readonly DropReason[] = [
  'short_packet',
  'bad_ip_header',
  'bad_length',
  'bad_version',
  'bad_type',
  'bad_checksum',
  'bad_ttl',
  'bad_address_count',
  'version_mismatch',
  'unknown_vrid',
  'auth_type_mismatch',
  'auth_failure',
  'interval_mismatch',
  'address_list_mismatch',
  'unicast_mismatch',
  'unknown_peer',
  'own_advert',
];

/** Outcome of decoding or accepting a packet. */
export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: DropReason };
