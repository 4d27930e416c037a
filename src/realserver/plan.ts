/**
 * Pure diff: requirements versus what the kernel has (observed) and what we own (the state
 * record plus the markers in the kernel) → the operations of one pass, in a safe order:
 * arp sysctls before a VIP appears, VIPs gone before arp sysctls are restored. Only what we own
 * is ever removed; what a previous run left with our markers is adopted.
 */
import { ownerLabel } from '../net/index.js';
import type { Requirements } from './requirements.js';
import { satisfies, targetValue } from './requirements.js';
import type { RealserverState } from './state.js';
import { withAddress, withDevice, withoutAddress, withoutDevice, withoutSysctl, withSysctl } from './state.js';
import type { DeviceEntry } from './devices.js';
import type { AddressKey, DeviceSpec, RedirectRule, SysctlKey } from './types.js';
import { keyOf } from './types.js';
import { assertNever } from '../core/index.js';

/** The tag of our IPv4 address labels: `lo:lvs`, `<device>:lvs` (src/net ownerLabel). */
export const OWNER_TAG = 'lvs';

/** A device as observed: as the devices port lists it. */
export type ObservedDevice = DeviceEntry;

/** An address as observed, with its device's name. */
export interface ObservedAddress extends AddressKey {
  readonly ifindex: number;
  readonly family: 4 | 6;
  readonly label?: string;
}

/** A rule in our table; `rule` is undefined for a rule we did not write (it is removed). */
export interface ObservedRule {
  readonly handle: string;
  readonly rule?: RedirectRule;
}

/** One observation of everything the role touches. */
export interface Observed {
  readonly devices: readonly ObservedDevice[];
  readonly addresses: readonly ObservedAddress[];
  readonly tableExists: boolean;
  readonly rules: readonly ObservedRule[];
  /**
   * Why our table could not be listed (no nftables on this kernel, no `nft`), or undefined.
   * Rules are then left alone: they cannot be diffed, and the other modes go on without them.
   */
  readonly rulesUnavailable?: string;
  /** Sysctl values by keyOf.sysctl; a key is absent when its interface does not exist. */
  readonly sysctls: ReadonlyMap<string, number>;
}

/** One step of a pass. The first five only change the state record. */
export type Op =
  | { readonly op: 'adoptDevice'; readonly device: DeviceSpec }
  | { readonly op: 'forgetDevice'; readonly name: string }
  | { readonly op: 'adoptAddress'; readonly address: AddressKey }
  | { readonly op: 'forgetAddress'; readonly address: AddressKey }
  | { readonly op: 'forgetSysctl'; readonly key: SysctlKey }
  | { readonly op: 'setSysctl'; readonly key: SysctlKey; readonly value: number; readonly original: number }
  | { readonly op: 'addDevice'; readonly device: DeviceSpec }
  | { readonly op: 'upDevice'; readonly name: string }
  | {
      readonly op: 'addAddress';
      readonly address: AddressKey;
      readonly ifindex: number;
      readonly family: 4 | 6;
      readonly label?: string;
    }
  | { readonly op: 'addRule'; readonly rule: RedirectRule }
  | { readonly op: 'removeRule'; readonly handle: string; readonly rule?: RedirectRule }
  | { readonly op: 'removeTable' }
  | { readonly op: 'removeAddress'; readonly address: AddressKey; readonly ifindex: number; readonly label?: string }
  | { readonly op: 'removeDevice'; readonly name: string }
  | { readonly op: 'restoreSysctl'; readonly key: SysctlKey; readonly value: number };

/** Operation names, for metrics labels and logs. */
export type OpName = Op['op'];

/** True for operations that write to the kernel (the rest only update the state record). */
export function isKernelWrite(op: Op): boolean {
  switch (op.op) {
    case 'adoptDevice':
    case 'forgetDevice':
    case 'adoptAddress':
    case 'forgetAddress':
    case 'forgetSysctl':
      return false;
    default:
      return true;
  }
}

/** The state record after `op` succeeded. */
export function nextState(s: RealserverState, op: Op): RealserverState {
  switch (op.op) {
    case 'adoptDevice':
    case 'addDevice':
      return withDevice(s, op.device);
    case 'forgetDevice':
    case 'removeDevice':
      return withoutDevice(s, op.name);
    case 'adoptAddress':
    case 'addAddress':
      return withAddress(s, op.address);
    case 'forgetAddress':
    case 'removeAddress':
      return withoutAddress(s, op.address);
    case 'setSysctl':
      return withSysctl(s, { ...op.key, original: op.original, written: op.value });
    case 'forgetSysctl':
    case 'restoreSysctl':
      return withoutSysctl(s, op.key);
    case 'upDevice':
    case 'addRule':
    case 'removeRule':
    case 'removeTable':
      // Setting a device up changes no ownership; our REDIRECT table is ours as a whole.
      return s;
    default:
      return assertNever(op, 'op');
  }
}

/** The label that marks an IPv4 address of ours on `device`, if it fits. */
export function ownedLabelOf(device: string): string | undefined {
  return ownerLabel(device, OWNER_TAG);
}

/**
 * Devices someone else made under a name we need, of another kind: a VIP on a real NIC (or a
 * veth, a bridge) would be answered in ARP on it, which is what Loopback and Tunnel avoid. The
 * VIP is not put there; status says why.
 */
export function misfitDevices(req: Requirements, observed: Observed): ObservedDevice[] {
  const wanted = new Map(req.devices.map((d) => [d.name, d]));
  return observed.devices.filter((d) => {
    const want = wanted.get(d.name);
    return want !== undefined && !d.marked && d.kind !== want.kind;
  });
}

interface Ctx {
  readonly req: Requirements;
  readonly observed: Observed;
  readonly state: RealserverState;
}

function planDevices({ req, observed, state }: Ctx): { record: Op[]; add: Op[]; remove: Op[] } {
  const seen = new Map(observed.devices.map((d) => [d.name, d]));
  const wanted = new Set(req.devices.map((d) => d.name));
  const recorded = new Set(state.devices.map((d) => d.name));
  const record: Op[] = [];
  const add: Op[] = [];
  const remove: Op[] = [];
  for (const d of state.devices) if (!seen.has(d.name)) record.push({ op: 'forgetDevice', name: d.name });
  for (const d of observed.devices) {
    if (!d.marked || recorded.has(d.name)) continue;
    const kind = d.kind === 'ipip' ? 'ipip' : 'dummy';
    record.push({ op: 'adoptDevice', device: { name: d.name, kind, ...(d.local ? { local: d.local } : {}) } });
  }
  for (const d of req.devices) if (!seen.has(d.name)) add.push({ op: 'addDevice', device: d });
  const wantedSpec = new Map(req.devices.map((d) => [d.name, d]));
  for (const d of observed.devices) {
    if (!d.marked && !recorded.has(d.name)) continue;
    const want = wantedSpec.get(d.name);
    // One of ours that is no longer wanted, or wanted differently (an ipip device whose local
    // address changed): removed now, created again in the next round.
    const stale = want !== undefined && (want.kind !== d.kind || (want.kind === 'ipip' && want.local !== d.local));
    if (!wanted.has(d.name) || stale) remove.push({ op: 'removeDevice', name: d.name });
    // One of ours set down: its VIP has no local route while it is down.
    else if (!d.up) add.push({ op: 'upDevice', name: d.name });
  }
  return { record, add, remove };
}

function planAddresses({ req, observed, state }: Ctx, removedDevices: ReadonlySet<string>) {
  const seen = new Map(observed.addresses.map((a) => [keyOf.address(a), a]));
  const recorded = new Set(state.addresses.map(keyOf.address));
  const wanted = new Set(req.addresses.map(keyOf.address));
  const ifindexOf = new Map(observed.devices.map((d) => [d.name, d.ifindex]));
  const record: Op[] = [];
  const add: Op[] = [];
  const remove: Op[] = [];
  for (const a of state.addresses) if (!seen.has(keyOf.address(a))) record.push({ op: 'forgetAddress', address: a });
  const isMarked = (a: ObservedAddress): boolean => a.label !== undefined && a.label === ownedLabelOf(a.device);
  // We label every IPv4 address we add when the label fits: a recorded one without it went
  // and came back as someone else's (the node's own, an administrator's), and is not ours.
  const lostMark = (a: ObservedAddress): boolean =>
    a.family === 4 && ownedLabelOf(a.device) !== undefined && !isMarked(a);
  for (const a of observed.addresses) {
    const k = keyOf.address(a);
    const address = { device: a.device, address: a.address, prefixLength: a.prefixLength };
    if (isMarked(a) && !recorded.has(k)) record.push({ op: 'adoptAddress', address });
    if (recorded.has(k) && lostMark(a)) record.push({ op: 'forgetAddress', address });
    const ours = isMarked(a) || (recorded.has(k) && !lostMark(a));
    if (ours && !wanted.has(k) && !removedDevices.has(a.device)) {
      // With our label the kernel deletes only the address carrying it (inet_rtm_deladdr).
      remove.push({ op: 'removeAddress', address, ifindex: a.ifindex, ...(isMarked(a) ? { label: a.label } : {}) });
    }
  }
  const misfits = new Set(misfitDevices(req, observed).map((d) => d.name));
  for (const a of req.addresses) {
    const ifindex = ifindexOf.get(a.device);
    // A device created in this pass has no ifindex yet: the next round adds its address.
    if (seen.has(keyOf.address(a)) || ifindex === undefined || misfits.has(a.device)) continue;
    const family = a.address.includes(':') ? 6 : 4;
    const label = family === 4 ? ownedLabelOf(a.device) : undefined;
    add.push({ op: 'addAddress', address: a, ifindex, family, ...(label ? { label } : {}) });
  }
  return { record, add, remove };
}

function planRules({ req, observed }: Ctx): { add: Op[]; remove: Op[] } {
  if (observed.rulesUnavailable !== undefined) return { add: [], remove: [] };
  if (req.rules.length === 0) return { add: [], remove: observed.tableExists ? [{ op: 'removeTable' }] : [] };
  const wanted = new Map(req.rules.map((r) => [keyOf.rule(r), r]));
  const kept = new Set<string>();
  const remove: Op[] = [];
  for (const o of observed.rules) {
    const k = o.rule ? keyOf.rule(o.rule) : undefined;
    if (k !== undefined && wanted.has(k) && !kept.has(k)) {
      kept.add(k);
      continue;
    }
    remove.push({ op: 'removeRule', handle: o.handle, ...(o.rule ? { rule: o.rule } : {}) });
  }
  const add: Op[] = [...wanted].filter(([k]) => !kept.has(k)).map(([, rule]) => ({ op: 'addRule', rule }));
  return { add, remove };
}

function planSysctls({ req, observed, state }: Ctx, removedDevices: ReadonlySet<string>) {
  const records = new Map(state.sysctls.map((r) => [keyOf.sysctl(r), r]));
  const wanted = new Set(req.sysctls.map((r) => keyOf.sysctl(r.key)));
  const record: Op[] = [];
  const set: Op[] = [];
  const restore: Op[] = [];
  const misfits = new Set(misfitDevices(req, observed).map((d) => d.name));
  for (const { key, need } of req.sysctls) {
    if (misfits.has(key.iface)) continue;
    const k = keyOf.sysctl(key);
    const current = observed.sysctls.get(k);
    // The interface does not exist yet (a device made in this pass): the next round sets it.
    if (current === undefined || satisfies(need, current)) continue;
    set.push({ op: 'setSysctl', key, value: targetValue(need), original: records.get(k)?.original ?? current });
  }
  for (const r of state.sysctls) {
    const k = keyOf.sysctl(r);
    if (wanted.has(k) || removedDevices.has(r.iface)) continue;
    const key = { iface: r.iface, name: r.name };
    const current = observed.sysctls.get(k);
    // Restore only what is still our value: a later change by someone else wins.
    if (current === r.written) restore.push({ op: 'restoreSysctl', key, value: r.original });
    else record.push({ op: 'forgetSysctl', key });
  }
  return { record, set, restore };
}

/**
 * The operations that take the kernel from `observed` to `req` on what we own, in order:
 * record changes (adopt, forget), sysctls up, devices, VIPs, rules, then removals in reverse
 * (rules, VIPs, devices) and sysctl restores last.
 */
export function plan(req: Requirements, observed: Observed, state: RealserverState): Op[] {
  const ctx = { req, observed, state };
  const devices = planDevices(ctx);
  const removedDevices = new Set(devices.remove.map((o) => (o.op === 'removeDevice' ? o.name : '')));
  const addresses = planAddresses(ctx, removedDevices);
  const rules = planRules(ctx);
  const sysctls = planSysctls(ctx, removedDevices);
  return [
    ...devices.record,
    ...addresses.record,
    ...sysctls.record,
    ...sysctls.set,
    ...devices.add,
    ...addresses.add,
    ...rules.add,
    ...rules.remove,
    ...addresses.remove,
    ...devices.remove,
    ...sysctls.restore,
  ];
}
