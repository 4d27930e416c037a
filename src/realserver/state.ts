/**
 * What this role has created, persisted so that a restart adopts it and removal restores
 * exactly it: the VIP addresses, the devices, and each sysctl's original value next to the one
 * written. Pure: the schema, and how each operation changes the record.
 */
import { z } from 'zod';
import type { AddressKey, DeviceSpec, SysctlKey } from './types.js';
import { keyOf } from './types.js';

/** A sysctl we changed: the value before us, and the value we wrote. */
export interface SysctlRecord extends SysctlKey {
  readonly original: number;
  readonly written: number;
}

/** The persisted record of what the role owns. */
export interface RealserverState {
  readonly version: 1;
  readonly addresses: readonly AddressKey[];
  readonly devices: readonly DeviceSpec[];
  readonly sysctls: readonly SysctlRecord[];
}

/** Nothing owned. */
export const EMPTY_STATE: RealserverState = { version: 1, addresses: [], devices: [], sysctls: [] };

const name = z
  .string()
  .min(1)
  .max(15)
  .regex(/^[^\s/]+$/);

/** The state file's schema: it is read back from disk, so it is parsed like any input. */
export const RealserverStateSchema = z.strictObject({
  version: z.literal(1),
  addresses: z.array(
    z.strictObject({ device: name, address: z.string().max(45), prefixLength: z.int().min(0).max(128) }),
  ),
  devices: z.array(
    z.strictObject({
      name,
      kind: z.enum(['dummy', 'ipip']),
      local: z.string().max(45).optional(),
    }),
  ),
  sysctls: z.array(
    z.strictObject({
      iface: name,
      name: z.enum(['arp_ignore', 'arp_announce', 'rp_filter']),
      original: z.int(),
      written: z.int(),
    }),
  ),
});

/** Parses a state file's JSON value; the zod error lists what is wrong. */
export function parseState(value: unknown): RealserverState {
  const s = RealserverStateSchema.parse(value);
  return {
    version: 1,
    addresses: s.addresses,
    devices: s.devices.map((d) => (d.local === undefined ? { name: d.name, kind: d.kind } : { ...d, local: d.local })),
    sysctls: s.sysctls,
  };
}

/** A stable text form (sorted), for comparing states and writing the file. */
export function formatState(state: RealserverState): string {
  const sorted: RealserverState = {
    version: 1,
    addresses: [...state.addresses].sort((a, b) => keyOf.address(a).localeCompare(keyOf.address(b))),
    devices: [...state.devices].sort((a, b) => a.name.localeCompare(b.name)),
    sysctls: [...state.sysctls].sort((a, b) => keyOf.sysctl(a).localeCompare(keyOf.sysctl(b))),
  };
  return `${JSON.stringify(sorted, null, 2)}\n`;
}

const sameAddress = (a: AddressKey, b: AddressKey): boolean => keyOf.address(a) === keyOf.address(b);
const sameSysctl = (a: SysctlKey, b: SysctlKey): boolean => keyOf.sysctl(a) === keyOf.sysctl(b);

/** Records an address as ours. */
export function withAddress(s: RealserverState, a: AddressKey): RealserverState {
  const addresses = s.addresses.filter((x) => !sameAddress(x, a));
  return { ...s, addresses: [...addresses, { device: a.device, address: a.address, prefixLength: a.prefixLength }] };
}

/** Forgets an address. */
export function withoutAddress(s: RealserverState, a: AddressKey): RealserverState {
  return { ...s, addresses: s.addresses.filter((x) => !sameAddress(x, a)) };
}

/** Records a device as ours. */
export function withDevice(s: RealserverState, d: DeviceSpec): RealserverState {
  return { ...s, devices: [...s.devices.filter((x) => x.name !== d.name), d] };
}

/** Forgets a device, and with it the addresses and sysctls that lived on it. */
export function withoutDevice(s: RealserverState, name: string): RealserverState {
  return {
    ...s,
    devices: s.devices.filter((x) => x.name !== name),
    addresses: s.addresses.filter((x) => x.device !== name),
    sysctls: s.sysctls.filter((x) => x.iface !== name),
  };
}

/** Records a sysctl write, keeping the first original value. */
export function withSysctl(s: RealserverState, r: SysctlRecord): RealserverState {
  const prev = s.sysctls.find((x) => sameSysctl(x, r));
  const record: SysctlRecord = {
    iface: r.iface,
    name: r.name,
    original: prev?.original ?? r.original,
    written: r.written,
  };
  return { ...s, sysctls: [...s.sysctls.filter((x) => !sameSysctl(x, r)), record] };
}

/** Forgets a sysctl record. */
export function withoutSysctl(s: RealserverState, k: SysctlKey): RealserverState {
  return { ...s, sysctls: s.sysctls.filter((x) => !sameSysctl(x, k)) };
}
