/**
 * The IPVS sysctls a director sets for drain semantics, where they live (net.ipv4.vs, per
 * network namespace; src/net's `Sysctls` port reads and writes them) and the pure plan of
 * what to change.
 * Behaviour as documented in Documentation/networking/ipvs-sysctl.rst and implemented by
 * ip_vs_in_hook() in net/netfilter/ipvs/ip_vs_core.c (Linux 6.1):
 *
 * - `expire_nodest_conn=1`: a packet of a connection whose destination is no longer available
 *   (deleted: moved to the trash, IP_VS_DEST_F_AVAILABLE clear) expires that connection at
 *   once, so the client gets an answer (a new SYN is scheduled afresh, anything else meets
 *   the director's stack) instead of the default silent drop until the entry times out. With
 *   conn_reuse_mode set, a new SYN on a reused client port whose old entry points at a
 *   weight-0 destination is also rescheduled instead of following the old entry to the
 *   draining server. Either way a deleted destination breaks its connections, which is why
 *   removal waits for the drain (drain.ts).
 * - `expire_quiescent_template=1`: a persistence template pointing at a weight-0
 *   destination expires when it would schedule a new connection, so persistent clients move
 *   off a draining server for new connections while their established ones continue.
 * - `conn_reuse_mode=1` (the kernel default since 4.2): port reuse is detected and handled as
 *   above; written so a host where it was set to 0 regains that behaviour.
 */
import type { SysctlPath } from '../net/index.js';

/** The IPVS sysctls this project manages. */
export type IpvsSysctlName = 'expire_nodest_conn' | 'expire_quiescent_template' | 'conn_reuse_mode';

export const IPVS_SYSCTL_NAMES: readonly IpvsSysctlName[] = [
  'expire_nodest_conn',
  'expire_quiescent_template',
  'conn_reuse_mode',
];

/** The values a director sets unless told otherwise (flags). */
export const DEFAULT_IPVS_SYSCTLS: Readonly<Record<IpvsSysctlName, number>> = {
  expire_nodest_conn: 1,
  expire_quiescent_template: 1,
  conn_reuse_mode: 1,
};

/** /proc/sys/net/ipv4/vs: present in a network namespace once ip_vs is loaded. */
export const IPVS_SYSCTLS_PATH: SysctlPath = ['net', 'ipv4', 'vs'];

/** Where one setting lives: net.ipv4.vs.<name>. */
export function ipvsSysctlPath(name: IpvsSysctlName): SysctlPath {
  return [...IPVS_SYSCTLS_PATH, name];
}

/** One change to make. */
export interface IpvsSysctlChange {
  readonly name: IpvsSysctlName;
  readonly from: number;
  readonly to: number;
}

/** What to write: each wanted setting whose current value differs; missing ones are reported. */
export function planIpvsSysctls(
  wanted: Readonly<Partial<Record<IpvsSysctlName, number>>>,
  current: ReadonlyMap<IpvsSysctlName, number | undefined>,
): { changes: IpvsSysctlChange[]; missing: IpvsSysctlName[] } {
  const changes: IpvsSysctlChange[] = [];
  const missing: IpvsSysctlName[] = [];
  for (const name of IPVS_SYSCTL_NAMES) {
    const to = wanted[name];
    if (to === undefined) continue;
    const from = current.get(name);
    if (from === undefined) missing.push(name);
    else if (from !== to) changes.push({ name, from, to });
  }
  return { changes, missing };
}
