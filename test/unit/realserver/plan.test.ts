import { describe, expect, it } from 'vitest';
import { plan, type Observed, type ObservedAddress, type Op } from '../../../src/realserver/plan.js';
import { requirementsOf } from '../../../src/realserver/requirements.js';
import { EMPTY_STATE, type RealserverState } from '../../../src/realserver/state.js';
import type { AcceptEntry, RedirectRule } from '../../../src/realserver/types.js';

const VIP = '192.168.105.253';
const ref = { kind: 'VirtualServer' as const, namespace: 'default', name: 'web' };
const entry = (extra: Partial<AcceptEntry> = {}): AcceptEntry => ({
  vip: VIP,
  family: 4,
  protocol: 'tcp',
  port: 80,
  mode: 'Loopback',
  device: 'lo',
  perPort: false,
  localAddress: '10.0.0.5',
  virtualServer: ref,
  ...extra,
});
const redirect = (extra: Partial<AcceptEntry> = {}) => entry({ mode: 'IptablesRedirect', device: '', ...extra });

const show = (op: Op): string => {
  switch (op.op) {
    case 'setSysctl':
    case 'restoreSysctl':
      return `${op.op} ${op.key.iface}.${op.key.name}=${op.value}`;
    case 'forgetSysctl':
      return `${op.op} ${op.key.iface}.${op.key.name}`;
    case 'addAddress':
      return `${op.op} ${op.address.device} ${op.address.address}/${op.address.prefixLength}${op.label ? ` label=${op.label}` : ''}`;
    case 'removeAddress':
    case 'adoptAddress':
    case 'forgetAddress':
      return `${op.op} ${op.address.device} ${op.address.address}`;
    case 'addDevice':
    case 'adoptDevice':
      return `${op.op} ${op.device.name} ${op.device.kind}`;
    case 'upDevice':
    case 'removeDevice':
    case 'forgetDevice':
      return `${op.op} ${op.name}`;
    case 'addRule':
      return `${op.op} ${op.rule.vip} ${op.rule.protocol ?? '*'} ${op.rule.port ?? '*'}`;
    case 'removeRule':
      return `${op.op} #${op.handle}`;
    case 'removeTable':
      return op.op;
  }
};

const lo = { name: 'lo', ifindex: 1, marked: false, up: true };
const sysctls = (values: Record<string, number>): Map<string, number> => {
  const m = new Map<string, number>();
  for (const iface of ['all', 'lo'])
    for (const n of ['arp_ignore', 'arp_announce', 'rp_filter']) m.set(`${iface}|${n}`, 0);
  for (const [k, v] of Object.entries(values)) m.set(k, v);
  return m;
};
const observed = (o: Partial<Observed> = {}): Observed => ({
  devices: [lo],
  addresses: [],
  tableExists: false,
  rules: [],
  sysctls: sysctls({}),
  ...o,
});
const vipOnLo = (label?: string): ObservedAddress => ({
  device: 'lo',
  ifindex: 1,
  address: VIP,
  prefixLength: 32,
  family: 4,
  ...(label ? { label } : {}),
});
const rule = (r: Partial<RedirectRule> = {}): RedirectRule => ({ family: 4, vip: VIP, ...r });
const arpSet = { 'all|arp_ignore': 1, 'all|arp_announce': 2, 'lo|arp_ignore': 1, 'lo|arp_announce': 2 };
const arpRecords: RealserverState['sysctls'] = [
  { iface: 'all', name: 'arp_ignore', original: 0, written: 1 },
  { iface: 'all', name: 'arp_announce', original: 0, written: 2 },
  { iface: 'lo', name: 'arp_ignore', original: 0, written: 1 },
  { iface: 'lo', name: 'arp_announce', original: 0, written: 2 },
];
const owned: RealserverState = {
  ...EMPTY_STATE,
  addresses: [{ device: 'lo', address: VIP, prefixLength: 32 }],
  sysctls: arpRecords,
};

const cases: { name: string; entries: AcceptEntry[]; observed: Observed; state?: RealserverState; ops: string[] }[] = [
  {
    name: 'fresh Loopback: arp sysctls first, then the VIP with our label',
    entries: [entry(), entry({ port: 443 })],
    observed: observed(),
    ops: [
      'setSysctl all.arp_ignore=1',
      'setSysctl all.arp_announce=2',
      'setSysctl lo.arp_ignore=1',
      'setSysctl lo.arp_announce=2',
      `addAddress lo ${VIP}/32 label=lo:lvs`,
    ],
  },
  {
    name: 'values already at or above ours are left alone (the kernel takes the higher)',
    entries: [entry()],
    observed: observed({ sysctls: sysctls({ 'all|arp_ignore': 2, 'all|arp_announce': 2 }) }),
    ops: ['setSysctl lo.arp_ignore=1', 'setSysctl lo.arp_announce=2', `addAddress lo ${VIP}/32 label=lo:lvs`],
  },
  {
    name: 'converged: nothing to do',
    entries: [entry()],
    observed: observed({ addresses: [vipOnLo('lo:lvs')], sysctls: sysctls(arpSet) }),
    state: owned,
    ops: [],
  },
  {
    name: 'removal: the VIP goes before the sysctls are restored',
    entries: [],
    observed: observed({ addresses: [vipOnLo('lo:lvs')], sysctls: sysctls(arpSet) }),
    state: owned,
    ops: [
      `removeAddress lo ${VIP}`,
      'restoreSysctl all.arp_ignore=0',
      'restoreSysctl all.arp_announce=0',
      'restoreSysctl lo.arp_ignore=0',
      'restoreSysctl lo.arp_announce=0',
    ],
  },
  {
    name: 'removal: a sysctl changed by someone since is left as it is',
    entries: [],
    observed: observed({ sysctls: sysctls({ ...arpSet, 'all|arp_ignore': 2 }) }),
    state: { ...owned, addresses: [] },
    ops: [
      'forgetSysctl all.arp_ignore',
      'restoreSysctl all.arp_announce=0',
      'restoreSysctl lo.arp_ignore=0',
      'restoreSysctl lo.arp_announce=0',
    ],
  },
  {
    name: 'still needed by another entry: not restored',
    entries: [entry({ vip: '192.168.105.254' })],
    observed: observed({
      addresses: [vipOnLo('lo:lvs'), { ...vipOnLo('lo:lvs'), address: '192.168.105.254' }],
      sysctls: sysctls(arpSet),
    }),
    state: {
      ...owned,
      addresses: [...owned.addresses, { device: 'lo', address: '192.168.105.254', prefixLength: 32 }],
    },
    ops: [`removeAddress lo ${VIP}`],
  },
  {
    name: 'adoption: a VIP with our label that the record lacks',
    entries: [entry()],
    observed: observed({ addresses: [vipOnLo('lo:lvs')], sysctls: sysctls(arpSet) }),
    ops: [`adoptAddress lo ${VIP}`],
  },
  {
    name: 'a VIP put on lo by hand is used, never removed',
    entries: [],
    observed: observed({ addresses: [vipOnLo('lo')], sysctls: sysctls(arpSet) }),
    ops: [],
  },
  {
    name: "a recorded IPv4 VIP that came back without our label is someone else's: forgotten, never removed",
    entries: [],
    observed: observed({ addresses: [vipOnLo('lo')], sysctls: sysctls(arpSet) }),
    state: owned,
    ops: [
      `forgetAddress lo ${VIP}`,
      'restoreSysctl all.arp_ignore=0',
      'restoreSysctl all.arp_announce=0',
      'restoreSysctl lo.arp_ignore=0',
      'restoreSysctl lo.arp_announce=0',
    ],
  },
  {
    name: 'a recorded VIP that is gone is forgotten, then added again',
    entries: [entry()],
    observed: observed({ sysctls: sysctls(arpSet) }),
    state: owned,
    ops: [`forgetAddress lo ${VIP}`, `addAddress lo ${VIP}/32 label=lo:lvs`],
  },
  {
    name: 'REDIRECT: missing rules added, stale, foreign and duplicate rules removed',
    entries: [redirect({ perPort: true }), redirect({ perPort: true, port: 443 })],
    observed: observed({
      tableExists: true,
      rules: [
        { handle: '2', rule: rule({ protocol: 'tcp', port: 80 }) },
        { handle: '3', rule: rule({ protocol: 'tcp', port: 80 }) },
        { handle: '4', rule: rule({ vip: '192.168.105.9' }) },
        { handle: '5' },
      ],
    }),
    ops: [`addRule ${VIP} tcp 443`, 'removeRule #3', 'removeRule #4', 'removeRule #5'],
  },
  {
    name: 'REDIRECT: no rule left, the table goes',
    entries: [],
    observed: observed({ tableExists: true, rules: [{ handle: '2', rule: rule() }] }),
    ops: ['removeTable'],
  },
  {
    name: 'dummy device: created first; its address and sysctls wait for the next round',
    entries: [entry({ device: 'lvs0' })],
    observed: observed({ sysctls: sysctls({ 'all|arp_ignore': 1, 'all|arp_announce': 2 }) }),
    ops: ['addDevice lvs0 dummy'],
  },
  {
    name: 'Tunnel: rp_filter strict on all becomes loose; the device is created',
    entries: [entry({ mode: 'Tunnel', device: 'lvsip-0a000005' })],
    observed: observed({ sysctls: sysctls({ ...arpSet, 'all|rp_filter': 1 }) }),
    ops: ['setSysctl all.rp_filter=2', 'addDevice lvsip-0a000005 ipip'],
  },
  {
    name: 'a device of ours no longer needed: removed with its VIPs, its sysctl records dropped with it',
    entries: [],
    observed: observed({
      devices: [lo, { name: 'lvs0', ifindex: 7, kind: 'dummy', marked: true, up: true }],
      addresses: [{ device: 'lvs0', ifindex: 7, address: VIP, prefixLength: 32, family: 4, label: 'lvs0:lvs' }],
      sysctls: new Map([...sysctls(arpSet), ['lvs0|arp_ignore', 1]]),
    }),
    state: {
      version: 1,
      devices: [{ name: 'lvs0', kind: 'dummy' }],
      addresses: [{ device: 'lvs0', address: VIP, prefixLength: 32 }],
      sysctls: [{ iface: 'lvs0', name: 'arp_ignore', original: 0, written: 1 }],
    },
    ops: ['removeDevice lvs0'],
  },
  {
    name: 'a marked device the record lacks is adopted',
    entries: [entry({ device: 'lvs0' })],
    observed: observed({
      devices: [lo, { name: 'lvs0', ifindex: 7, kind: 'dummy', marked: true, up: true }],
      addresses: [{ device: 'lvs0', ifindex: 7, address: VIP, prefixLength: 32, family: 4, label: 'lvs0:lvs' }],
      sysctls: new Map([...sysctls(arpSet), ['lvs0|arp_ignore', 1], ['lvs0|arp_announce', 2]]),
    }),
    state: EMPTY_STATE,
    ops: ['adoptDevice lvs0 dummy', `adoptAddress lvs0 ${VIP}`],
  },
  {
    name: 'an ipip device of ours with another local address is removed, to be made again',
    entries: [entry({ mode: 'Tunnel', device: 'tun-web', localAddress: '10.0.0.5' })],
    observed: observed({
      devices: [lo, { name: 'tun-web', ifindex: 7, kind: 'ipip', local: '10.0.0.6', marked: true, up: true }],
      addresses: [{ device: 'tun-web', ifindex: 7, address: VIP, prefixLength: 32, family: 4, label: 'tun-web:lvs' }],
      sysctls: new Map([
        ...sysctls({ ...arpSet, 'all|rp_filter': 2 }),
        ['tun-web|arp_ignore', 1],
        ['tun-web|arp_announce', 2],
        ['tun-web|rp_filter', 2],
      ]),
    }),
    state: {
      version: 1,
      devices: [{ name: 'tun-web', kind: 'ipip', local: '10.0.0.6' }],
      addresses: [{ device: 'tun-web', address: VIP, prefixLength: 32 }],
      sysctls: [],
    },
    ops: ['removeDevice tun-web'],
  },
  {
    name: 'a device of ours set down is set up again',
    entries: [entry({ device: 'lvs0' })],
    observed: observed({
      devices: [lo, { name: 'lvs0', ifindex: 7, kind: 'dummy', marked: true, up: false }],
      addresses: [{ device: 'lvs0', ifindex: 7, address: VIP, prefixLength: 32, family: 4, label: 'lvs0:lvs' }],
      sysctls: new Map([...sysctls(arpSet), ['lvs0|arp_ignore', 1], ['lvs0|arp_announce', 2]]),
    }),
    state: {
      version: 1,
      devices: [{ name: 'lvs0', kind: 'dummy' }],
      addresses: [{ device: 'lvs0', address: VIP, prefixLength: 32 }],
      sysctls: [],
    },
    ops: ['upDevice lvs0'],
  },
  {
    name: 'a device someone else made is used and never removed',
    entries: [],
    observed: observed({ devices: [lo, { name: 'dummy9', ifindex: 9, kind: 'dummy', marked: false, up: true }] }),
    ops: [],
  },
];

describe('plan', () => {
  it.each(cases)('$name', ({ entries, observed: o, state, ops }) => {
    expect(plan(requirementsOf(entries), o, state ?? EMPTY_STATE).map(show)).toEqual(ops);
  });
});
