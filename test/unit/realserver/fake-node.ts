/**
 * A node made of fakes, wired as the kernel is (a device's addresses and sysctls go with it),
 * and validated objects for the realserver tests.
 */
import { RealServerSchema, VirtualServerSchema, type RealServer, type VirtualServer } from '../../../src/api/index.js';
import { FakeAddresses } from '../../../src/net/fake-addresses.js';
import { FakeRedirectRules } from '../../../src/net/fake-redirect-rules.js';
import { FakeSysctls } from '../../../src/net/fake-sysctls.js';
import type { SysctlPath } from '../../../src/net/index.js';
import { FakeDevices } from '../../../src/realserver/fake-devices.js';
import { FakeStateStore } from '../../../src/realserver/fake-state-store.js';
import type { RealserverPorts } from '../../../src/realserver/ports.js';
import { sysctlPathOf, type SysctlName } from '../../../src/realserver/types.js';

const CONF_NAMES: readonly SysctlName[] = ['arp_ignore', 'arp_announce', 'rp_filter'];

/** net.ipv4.conf.<iface>.<name>. */
export const conf = (iface: string, name: SysctlName): SysctlPath => sysctlPathOf({ iface, name });

/**
 * The role's sysctls on a fake kernel: `all` and `default` at `initial` (0 otherwise), and
 * each of `interfaces` copied from `default` as the kernel does.
 */
export function confSysctls(
  interfaces: readonly string[] = ['lo'],
  initial: Partial<Record<SysctlName, number>> = {},
): FakeSysctls {
  const sysctls = new FakeSysctls(
    ['all', 'default'].flatMap((iface) =>
      CONF_NAMES.map((name): [SysctlPath, number] => [conf(iface, name), initial[name] ?? 0]),
    ),
  );
  for (const iface of interfaces) sysctls.addInterface(iface);
  return sysctls;
}

/** The fakes of one node, and the ports over them. */
export interface FakeNode {
  readonly addresses: FakeAddresses;
  readonly sysctls: FakeSysctls;
  readonly devices: FakeDevices;
  readonly rules: FakeRedirectRules;
  readonly state: FakeStateStore;
  readonly ports: RealserverPorts;
  /** Kernel writes recorded by every fake so far. */
  writes(): number;
}

/** lo (1) and eth0 (2) with `eth0Address`; `kinds` are the device types the kernel has. */
export function fakeNode(
  opts: { eth0Address?: string; kinds?: readonly string[]; state?: FakeStateStore; sysctls?: FakeSysctls } = {},
): FakeNode {
  const addresses = new FakeAddresses();
  const sysctls = opts.sysctls ?? confSysctls(['lo', 'eth0']);
  const devices = new FakeDevices({
    devices: [
      { name: 'lo', ifindex: 1, marked: false, up: true },
      { name: 'eth0', ifindex: 2, kind: 'veth', marked: false, up: true },
    ],
    addresses,
    sysctls,
    ...(opts.kinds ? { kinds: opts.kinds } : {}),
  });
  addresses.entries.push(
    { ifindex: 1, family: 4, address: '127.0.0.1', prefixLength: 8, label: 'lo', secondary: false, scope: 254 },
    {
      ifindex: 2,
      family: 4,
      address: opts.eth0Address ?? '10.0.0.5',
      prefixLength: 24,
      label: 'eth0',
      secondary: false,
      scope: 0,
    },
  );
  const rules = new FakeRedirectRules();
  const state = opts.state ?? new FakeStateStore();
  const base = { a: addresses.ops.length, s: sysctls.writes.length, d: devices.ops.length, r: rules.ops.length };
  return {
    addresses,
    sysctls,
    devices,
    rules,
    state,
    ports: { addresses, sysctls, devices, rules, state },
    writes: () =>
      addresses.ops.length -
      base.a +
      sysctls.writes.length -
      base.s +
      devices.ops.length -
      base.d +
      rules.ops.length -
      base.r,
  };
}

/** A validated VirtualServer. */
export function vs(name: string, spec: Record<string, unknown>, namespace = 'default'): VirtualServer {
  return VirtualServerSchema.parse({
    apiVersion: 'lvs.io/v1alpha1',
    kind: 'VirtualServer',
    metadata: { name, namespace },
    spec,
  });
}

/** A validated RealServer. */
export function rs(
  name: string,
  spec: Record<string, unknown>,
  labels: Record<string, string> = { app: 'web' },
  namespace = 'default',
): RealServer {
  return RealServerSchema.parse({
    apiVersion: 'lvs.io/v1alpha1',
    kind: 'RealServer',
    metadata: { name, namespace, labels },
    spec,
  });
}
