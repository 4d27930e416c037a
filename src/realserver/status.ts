/**
 * Pure report: for each VIP of each real server of this node, whether the kernel now has
 * everything it needs (RealServer.status.vips), judged on a fresh observation, with the reason
 * and the error of the failed change when it does not.
 */
import { messageOf } from '../core/index.js';
import type { Failure } from './apply.js';
import { objectKeyOf } from './apply.js';
import type { Observed } from './plan.js';
import { needsOf, satisfies } from './requirements.js';
import type { AcceptEntry, AcceptMode, Issue, ObjectRef, SysctlNeed } from './types.js';
import { keyOf } from './types.js';

/** One VIP of one real server on this node. */
export interface VipStatus {
  readonly vip: string;
  readonly mode: AcceptMode;
  readonly configured: boolean;
  readonly message?: string;
  /** The real server's address (canonical), which keys inline real servers in status. */
  readonly address: string;
  readonly virtualServer: ObjectRef;
  /** The RealServer object; absent for a real server written inline. */
  readonly realServer?: ObjectRef;
}

const describeNeed = (n: SysctlNeed): string => (n.kind === 'atLeast' ? `at least ${n.value}` : 'not 1 (strict)');

/** The first thing an entry still lacks, as [object key, sentence], or undefined when it has all. */
function missingOf(e: AcceptEntry, observed: Observed): [string, string] | undefined {
  const n = needsOf(e);
  if (n.device) {
    const want = n.device;
    const dev = observed.devices.find((d) => d.name === want.name);
    if (!dev) return [`device|${want.name}`, `device ${want.name} (${want.kind}) is missing`];
    if (!dev.up) return [`device|${want.name}`, `device ${want.name} is down`];
    if (dev.kind !== want.kind && !dev.marked) {
      return [
        `device|${want.name}`,
        `device ${want.name} exists and is ${dev.kind ? `a ${dev.kind} device` : 'not a virtual device'}, not ${want.kind}: the VIP would be answered in ARP there`,
      ];
    }
  }
  for (const s of n.sysctls) {
    const k = keyOf.sysctl(s.key);
    const v = observed.sysctls.get(k);
    if (v === undefined || !satisfies(s.need, v)) {
      return [
        `sysctl|${k}`,
        `net.ipv4.conf.${s.key.iface}.${s.key.name} is ${v ?? 'unreadable'}, needs ${describeNeed(s.need)}`,
      ];
    }
  }
  if (n.address) {
    const a = n.address;
    if (!observed.addresses.some((o) => keyOf.address(o) === keyOf.address(a))) {
      return [`address|${keyOf.address(a)}`, `VIP ${a.address}/${a.prefixLength} is not on ${a.device}`];
    }
  }
  if (n.rule) {
    const r = n.rule;
    if (observed.rulesUnavailable !== undefined) {
      return [`rule|${keyOf.rule(r)}`, `REDIRECT rules unavailable: ${observed.rulesUnavailable}`];
    }
    if (!observed.rules.some((o) => o.rule !== undefined && keyOf.rule(o.rule) === keyOf.rule(r))) {
      return [
        `rule|${keyOf.rule(r)}`,
        `no REDIRECT rule for ${r.vip}${r.protocol ? ` ${r.protocol}` : ''}${r.port ? ` port ${r.port}` : ''}`,
      ];
    }
  }
  return undefined;
}

/**
 * One status per (real server, VIP): configured when every entry of that VIP has what it needs.
 * The message names what is missing and, when a change failed this pass, its error.
 */
export function vipStatuses(
  entries: readonly AcceptEntry[],
  observed: Observed,
  failures: readonly Failure[],
): VipStatus[] {
  const errors = new Map<string, string>();
  for (const f of failures) {
    const k = objectKeyOf(f.op);
    if (k !== undefined && !errors.has(k)) errors.set(k, messageOf(f.error));
  }
  const out = new Map<string, VipStatus>();
  for (const e of entries) {
    const key = `${e.realServer ? `${e.realServer.namespace}/${e.realServer.name}` : `inline:${e.virtualServer.namespace}/${e.virtualServer.name}:${e.localAddress}`}|${e.vip}`;
    const missing = missingOf(e, observed);
    const prev = out.get(key);
    if (prev && !prev.configured) continue;
    const message = missing
      ? errors.has(missing[0])
        ? `${missing[1]}: ${errors.get(missing[0])}`
        : missing[1]
      : undefined;
    out.set(key, {
      vip: e.vip,
      mode: e.mode,
      configured: missing === undefined,
      ...(message !== undefined ? { message } : {}),
      address: e.localAddress,
      virtualServer: e.virtualServer,
      ...(e.realServer ? { realServer: e.realServer } : {}),
    });
  }
  return [...out.values()];
}

/** VirtualServer.status.realServerVips of one VirtualServer with inline real servers on this node. */
export interface InlineVips {
  readonly virtualServer: ObjectRef;
  readonly vips: readonly {
    readonly address: string;
    readonly vip: string;
    readonly mode: AcceptMode;
    readonly configured: boolean;
    readonly message?: string;
  }[];
}

/**
 * Pure: the VIPs of the inline real servers of this node, per VirtualServer. A VIP an issue
 * kept out (a conflict, Tunnel with IPv6) shows as not configured, with why. A VirtualServer
 * appears while this node accepts (or tries to accept) a VIP for it, which is what holds its
 * finalizer until this node has removed them.
 */
export function inlineVips(vips: readonly VipStatus[], issues: readonly Issue[]): InlineVips[] {
  const out = new Map<string, { virtualServer: ObjectRef; vips: InlineVips['vips'][number][] }>();
  const add = (vs: ObjectRef, v: InlineVips['vips'][number]): void => {
    const key = `${vs.namespace}/${vs.name}`;
    const entry = out.get(key) ?? { virtualServer: vs, vips: [] };
    out.set(key, entry);
    if (!entry.vips.some((e) => e.address === v.address && e.vip === v.vip)) entry.vips.push(v);
  };
  for (const v of vips) {
    if (v.realServer !== undefined) continue;
    const { address, vip, mode, configured, message } = v;
    add(v.virtualServer, { address, vip, mode, configured, ...(message !== undefined ? { message } : {}) });
  }
  for (const i of issues) {
    if (i.object.kind !== 'VirtualServer' || i.vip === undefined || i.mode === undefined) continue;
    if (i.address === undefined) continue;
    add(i.object, { address: i.address, vip: i.vip, mode: i.mode, configured: false, message: i.message });
  }
  return [...out.values()];
}

/** Configured VIPs per mode (each VIP counted once), for lvs_realserver_vips. */
export function configuredByMode(statuses: readonly VipStatus[]): Map<AcceptMode, number> {
  const seen = new Map<AcceptMode, Set<string>>();
  for (const s of statuses) {
    if (!s.configured) continue;
    const set = seen.get(s.mode) ?? new Set<string>();
    set.add(s.vip);
    seen.set(s.mode, set);
  }
  return new Map([...seen].map(([m, set]) => [m, set.size]));
}
