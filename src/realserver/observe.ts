/** The observe step: one dump of each port, joined into the planner's {@link Observed}. */
import { messageOf } from '../core/index.js';
import type { ObservedAddress, Observed } from './plan.js';
import { ownedLabelOf } from './plan.js';
import type { RealserverPorts } from './ports.js';
import type { RealserverState } from './state.js';
import type { SysctlKey } from './types.js';
import { keyOf, sysctlPathOf } from './types.js';

/** Everything but the sysctls, whose keys depend on what the objects need. */
export type ObservedBase = Omit<Observed, 'sysctls'>;

/**
 * Lists devices, addresses and our REDIRECT table. A table that cannot be listed (a kernel
 * without nftables) is reported in `rulesUnavailable` instead of failing the pass, so the
 * modes that need no rules keep working.
 */
export async function observeBase(ports: RealserverPorts): Promise<ObservedBase> {
  const [devices, entries, table] = await Promise.all([
    ports.devices.list(),
    ports.addresses.list(),
    ports.rules.list().catch((err: unknown) => ({ error: messageOf(err) })),
  ]);
  const nameOf = new Map(devices.map((d) => [d.ifindex, d.name]));
  const addresses: ObservedAddress[] = [];
  for (const e of entries) {
    const device = nameOf.get(e.ifindex);
    // An address of a device that appeared after the device dump: the next pass sees both.
    if (device === undefined) continue;
    addresses.push({
      device,
      ifindex: e.ifindex,
      address: e.address,
      prefixLength: e.prefixLength,
      family: e.family,
      ...(e.label !== undefined ? { label: e.label } : {}),
    });
  }
  return {
    devices: devices.map((d) => ({
      name: d.name,
      ifindex: d.ifindex,
      ...(d.kind !== undefined ? { kind: d.kind } : {}),
      ...(d.local !== undefined ? { local: d.local } : {}),
      marked: d.marked,
      up: d.up,
    })),
    addresses,
    ...('error' in table
      ? { tableExists: false, rules: [], rulesUnavailable: table.error }
      : { tableExists: table.tableExists, rules: table.rules }),
  };
}

/** Reads the given sysctls; interfaces that do not exist are left out. */
export async function readSysctls(ports: RealserverPorts, keys: readonly SysctlKey[]): Promise<Map<string, number>> {
  const unique = new Map(keys.map((k) => [keyOf.sysctl(k), k]));
  const values = await Promise.all(
    [...unique].map(async ([k, key]) => [k, await ports.sysctls.read(sysctlPathOf(key))] as const),
  );
  const out = new Map<string, number>();
  for (const [k, v] of values) if (v !== undefined) out.set(k, v);
  return out;
}

/**
 * The node's own addresses, for matching real servers by address: every address except the
 * VIPs we own (recorded, or labelled with our marker).
 */
export function localAddressesOf(base: ObservedBase, state: RealserverState): Set<string> {
  const ours = new Set(state.addresses.map(keyOf.address));
  return new Set(
    base.addresses
      .filter((a) => !ours.has(keyOf.address(a)) && (a.label === undefined || a.label !== ownedLabelOf(a.device)))
      .map((a) => a.address),
  );
}
