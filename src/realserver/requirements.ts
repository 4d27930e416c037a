/**
 * Pure: the kernel objects a set of acceptance entries needs (addresses, devices, REDIRECT
 * rules, sysctls), deduplicated. Which entry needs which object is kept for status.
 */
import type { AcceptEntry, AddressKey, DeviceSpec, RedirectRule, SysctlKey, SysctlNeed } from './types.js';
import { keyOf } from './types.js';

/** A sysctl and what must hold for it. */
export interface SysctlRequirement {
  readonly key: SysctlKey;
  readonly need: SysctlNeed;
}

/** Everything the entries need of the kernel. */
export interface Requirements {
  readonly addresses: readonly AddressKey[];
  readonly devices: readonly DeviceSpec[];
  readonly rules: readonly RedirectRule[];
  readonly sysctls: readonly SysctlRequirement[];
}

/** What one entry needs, before deduplication. */
export interface EntryNeeds {
  readonly address?: AddressKey;
  readonly device?: DeviceSpec;
  readonly rule?: RedirectRule;
  readonly sysctls: readonly SysctlRequirement[];
}

/**
 * arp_ignore=1: answer ARP only for addresses of the receiving interface; arp_announce=2: use
 * the best local address of the outgoing interface as ARP source, never the VIP (the LVS-DR
 * "ARP problem", seed 001). Set on `all` and on the VIP's device.
 */
function arpNeeds(device: string): SysctlRequirement[] {
  return ['all', device].flatMap((iface) => [
    { key: { iface, name: 'arp_ignore' as const }, need: { kind: 'atLeast' as const, value: 1 } },
    { key: { iface, name: 'arp_announce' as const }, need: { kind: 'atLeast' as const, value: 2 } },
  ]);
}

const hostPrefix = (family: 4 | 6): number => (family === 4 ? 32 : 128);

/** What one entry needs of the kernel. */
export function needsOf(e: AcceptEntry): EntryNeeds {
  switch (e.mode) {
    case 'Loopback': {
      const address = { device: e.device, address: e.vip, prefixLength: hostPrefix(e.family) };
      // IPv6 has no ARP; neighbour solicitations are answered only for addresses of the
      // receiving interface (net/ipv6/ndisc.c, ndisc_recv_ns), so a VIP on lo is silent.
      const sysctls = e.family === 4 ? arpNeeds(e.device) : [];
      return e.device === 'lo' ? { address, sysctls } : { address, device: { name: e.device, kind: 'dummy' }, sysctls };
    }
    case 'Tunnel':
      return {
        address: { device: e.device, address: e.vip, prefixLength: 32 },
        device: { name: e.device, kind: 'ipip', local: e.localAddress },
        sysctls: [
          ...arpNeeds(e.device),
          { key: { iface: 'all', name: 'rp_filter' }, need: { kind: 'loose' } },
          { key: { iface: e.device, name: 'rp_filter' }, need: { kind: 'loose' } },
        ],
      };
    case 'IptablesRedirect':
      return {
        rule: e.perPort
          ? { family: e.family, vip: e.vip, protocol: e.protocol, ...(e.port !== 0 ? { port: e.port } : {}) }
          : { family: e.family, vip: e.vip },
        sysctls: [],
      };
  }
}

/** The stronger of two needs of one sysctl. */
function merge(a: SysctlNeed, b: SysctlNeed): SysctlNeed {
  if (a.kind === 'atLeast' && b.kind === 'atLeast') return a.value >= b.value ? a : b;
  return a.kind === 'loose' ? a : b;
}

/** The deduplicated kernel objects that all entries need. */
export function requirementsOf(entries: readonly AcceptEntry[]): Requirements {
  const addresses = new Map<string, AddressKey>();
  const devices = new Map<string, DeviceSpec>();
  const rules = new Map<string, RedirectRule>();
  const sysctls = new Map<string, SysctlRequirement>();
  for (const e of entries) {
    const n = needsOf(e);
    if (n.address) addresses.set(keyOf.address(n.address), n.address);
    if (n.device && !devices.has(n.device.name)) devices.set(n.device.name, n.device);
    if (n.rule) rules.set(keyOf.rule(n.rule), n.rule);
    for (const s of n.sysctls) {
      const k = keyOf.sysctl(s.key);
      const prev = sysctls.get(k);
      sysctls.set(k, prev ? { key: s.key, need: merge(prev.need, s.need) } : s);
    }
  }
  return {
    addresses: [...addresses.values()],
    devices: [...devices.values()],
    rules: [...rules.values()],
    sysctls: [...sysctls.values()],
  };
}

/** True when `value` meets `need`. */
export function satisfies(need: SysctlNeed, value: number): boolean {
  return need.kind === 'atLeast' ? value >= need.value : value !== 1;
}

/** The value to write when `current` does not meet `need`. */
export function targetValue(need: SysctlNeed): number {
  return need.kind === 'atLeast' ? need.value : 2;
}
