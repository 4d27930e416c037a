/**
 * The realserver role's model: what a backend must do to accept a VIP (an {@link AcceptEntry}),
 * the kernel objects that takes, and the typed keys the planner, the fakes and status share.
 */

import type { ObjectRef } from '../model/index.js';
import type { L4Protocol, RedirectRule, SysctlPath } from '../net/index.js';

export type { L4Protocol, RedirectRule } from '../net/index.js';

/** How a backend accepts a VIP (the API's acceptVIP modes, without None: nothing to do). */
export type AcceptMode = 'Loopback' | 'IptablesRedirect' | 'Tunnel';

export { formatRef, type ObjectRef } from '../model/index.js';

/** What this node must do for one VIP:port of one service sending to one of its real servers. */
export interface AcceptEntry {
  /** Canonical VIP text. */
  readonly vip: string;
  readonly family: 4 | 6;
  readonly protocol: L4Protocol;
  /** Service port; 0 means every port. */
  readonly port: number;
  readonly mode: AcceptMode;
  /** Loopback: the device the VIP goes on. Tunnel: the ipip device. IptablesRedirect: unused (''). */
  readonly device: string;
  /** IptablesRedirect: match protocol and port, not every packet to the VIP. */
  readonly perPort: boolean;
  /** The real server's address: the outer destination of ipip packets for Tunnel. */
  readonly localAddress: string;
  readonly virtualServer: ObjectRef;
  /** The RealServer object, absent for a real server written inline. */
  readonly realServer?: ObjectRef;
}

/** Why an object contributes nothing (or less than it asks for) on this node. */
export type IssueReason = 'FwmarkVipsUnknown' | 'AcceptModeConflict' | 'AcceptModeUnsupported' | 'VipDenied';

/** A problem with one object, reported as a value (STYLE: validation returns an issues list). */
export interface Issue {
  readonly object: ObjectRef;
  /** Field path inside the object, e.g. `spec.acceptVIP.mode`. */
  readonly path: string;
  readonly reason: IssueReason;
  readonly message: string;
  /** The VIP the issue keeps from being accepted, when it is about one. */
  readonly vip?: string;
  readonly mode?: AcceptMode;
  /** The real server (its address) the issue keeps the VIP from, when it is about one. */
  readonly address?: string;
}

/** Who this node is, for deciding which real servers are its own. */
export interface NodeIdentity {
  readonly nodeName: string;
  /** Canonical text of the node's own addresses (not the VIPs this role added). */
  readonly localAddresses: ReadonlySet<string>;
}

/** The IPv4 conf sysctls this role manages (/proc/sys/net/ipv4/conf/<iface>/<name>). */
export type SysctlName = 'arp_ignore' | 'arp_announce' | 'rp_filter';

/** One sysctl: `all` or an interface name, and the setting. */
export interface SysctlKey {
  readonly iface: string;
  readonly name: SysctlName;
}

/** Where a key lives under /proc/sys: net.ipv4.conf.<iface>.<name>. */
export function sysctlPathOf(key: SysctlKey): SysctlPath {
  return ['net', 'ipv4', 'conf', key.iface, key.name];
}

/**
 * What an entry needs of a sysctl. `atLeast`: the kernel uses the higher of `all` and the
 * interface for arp_ignore and arp_announce (Documentation/networking/ip-sysctl.rst), so a
 * value at or above ours is left alone. `loose`: rp_filter must not be 1 (strict); the kernel
 * uses the higher of `all` and the interface, so 2 (loose) on both lets decapsulated packets in
 * without switching source validation off.
 */
export type SysctlNeed = { readonly kind: 'atLeast'; readonly value: number } | { readonly kind: 'loose' };

/** A device this role may create: a dummy device for Loopback, an ipip device for Tunnel. */
export interface DeviceSpec {
  readonly name: string;
  readonly kind: 'dummy' | 'ipip';
  /** ipip: the local (outer destination) address the tunnel receives on. */
  readonly local?: string;
}

/** A VIP on a device. */
export interface AddressKey {
  readonly device: string;
  readonly address: string;
  readonly prefixLength: number;
}

/** One key per kind: used by the planner, the fakes and status, never parsed back. */
export const keyOf = {
  sysctl: (k: SysctlKey): string => `${k.iface}|${k.name}`,
  address: (k: { readonly device: string; readonly address: string }): string => `${k.device}|${k.address}`,
  rule: (r: RedirectRule): string => `${r.family}|${r.vip}|${r.protocol ?? '*'}|${r.port ?? '*'}`,
  device: (d: { readonly name: string }): string => d.name,
};
