import { describe, expect, it } from 'vitest';
import type { RealServer, VirtualServer } from '../../../src/api/index.js';
import { parseVipPolicy } from '../../../src/cli/flags.js';
import { buildModel } from '../../../src/model/index.js';
import { selectEntries, tunnelDeviceName, type DesiredInput } from '../../../src/realserver/desired.js';
import type { AcceptEntry, Issue } from '../../../src/realserver/types.js';
import { ip } from '../../support/address.js';
import { rs, vs } from './fake-node.js';

const node = { nodeName: 'backend-1', localAddresses: new Set(['10.0.0.5', '127.0.0.1']) };

const show = (e: AcceptEntry): string =>
  `${e.vip}:${e.port}/${e.protocol} ${e.mode}${e.device ? ` ${e.device}` : ''}${e.perPort ? ' perPort' : ''}${e.realServer ? ` rs=${e.realServer.name}` : ''}`;
const showIssue = (i: Issue): string => `${i.reason} ${i.object.kind} ${i.object.namespace}/${i.object.name} ${i.path}`;

/** The model of these objects, as the roles get it. */
const model = (objects: { virtualServers: VirtualServer[]; realServers: RealServer[] }): DesiredInput =>
  buildModel([...objects.virtualServers, ...objects.realServers], () => undefined);

const dr = (extra: Record<string, unknown> = {}) => ({
  addresses: [
    { ip: '192.168.105.253', port: 80 },
    { ip: '192.168.105.253', port: 443 },
  ],
  forwarding: 'DR',
  realServers: [{ address: '10.0.0.5' }, { address: '10.0.0.6' }],
  ...extra,
});

const cases: { name: string; input: DesiredInput; entries: string[]; issues?: string[] }[] = [
  {
    name: 'DR, inline server with a local address: each VIP:port on lo (seed 001)',
    input: model({ virtualServers: [vs('web', dr())], realServers: [] }),
    entries: ['192.168.105.253:80/tcp Loopback lo', '192.168.105.253:443/tcp Loopback lo'],
  },
  {
    name: 'NAT needs nothing on the backend',
    input: model({ virtualServers: [vs('web', dr({ forwarding: 'NAT' }))], realServers: [] }),
    entries: [],
  },
  {
    name: "a server's own forwarding DR counts in a NAT service",
    input: model({
      virtualServers: [
        vs('web', { ...dr({ forwarding: 'NAT' }), realServers: [{ address: '10.0.0.5', forwarding: 'DR' }] }),
      ],
      realServers: [],
    }),
    entries: ['192.168.105.253:80/tcp Loopback lo', '192.168.105.253:443/tcp Loopback lo'],
  },
  {
    name: 'a server of another node is not ours',
    input: model({ virtualServers: [vs('web', dr({ realServers: [{ address: '10.0.0.6' }] }))], realServers: [] }),
    entries: [],
  },
  {
    name: 'node names this node even when the address is not local',
    input: model({
      virtualServers: [vs('web', dr({ realServers: [{ address: '10.0.9.9', node: 'backend-1' }] }))],
      realServers: [],
    }),
    entries: ['192.168.105.253:80/tcp Loopback lo', '192.168.105.253:443/tcp Loopback lo'],
  },
  {
    name: 'node names another node: a local address does not make it ours',
    input: model({
      virtualServers: [vs('web', dr({ realServers: [{ address: '10.0.0.5', node: 'backend-2' }] }))],
      realServers: [],
    }),
    entries: [],
  },
  {
    name: 'RealServer objects by selector, same namespace only, with their acceptVIP (seed 000 REDIRECT)',
    input: model({
      virtualServers: [
        vs('web', {
          addresses: [{ ip: '192.168.105.253', port: 80 }],
          forwarding: 'DR',
          realServerSelector: { matchLabels: { app: 'web' } },
        }),
      ],
      realServers: [
        rs('rs-1', { address: '10.0.0.5', acceptVIP: { mode: 'IptablesRedirect' } }),
        rs('rs-other-ns', { address: '10.0.0.5' }, { app: 'web' }, 'other'),
        rs('rs-unlabelled', { address: '10.0.0.5' }, { app: 'db' }),
      ],
    }),
    entries: ['192.168.105.253:80/tcp IptablesRedirect rs=rs-1'],
  },
  {
    name: 'IptablesRedirect per port keeps the protocol',
    input: model({
      virtualServers: [
        vs('dns', {
          addresses: [{ ip: '192.168.105.53', port: 53 }],
          protocol: 'UDP',
          forwarding: 'DR',
          realServers: [{ address: '10.0.0.5', acceptVIP: { mode: 'IptablesRedirect', perPort: true } }],
        }),
      ],
      realServers: [],
    }),
    entries: ['192.168.105.53:53/udp IptablesRedirect perPort'],
  },
  {
    name: 'mode None is done by hand',
    input: model({
      virtualServers: [vs('web', dr({ realServers: [{ address: '10.0.0.5', acceptVIP: { mode: 'None' } }] }))],
      realServers: [],
    }),
    entries: [],
  },
  {
    name: 'a dummy device named by the server',
    input: model({
      virtualServers: [vs('web', dr({ realServers: [{ address: '10.0.0.5', acceptVIP: { device: 'lvs0' } }] }))],
      realServers: [],
    }),
    entries: ['192.168.105.253:80/tcp Loopback lvs0', '192.168.105.253:443/tcp Loopback lvs0'],
  },
  {
    name: 'Tunnel for TUN: an ipip device named after the local address',
    input: model({
      virtualServers: [
        vs('tun', {
          addresses: [{ ip: '192.168.105.254', port: 80 }],
          forwarding: 'TUN',
          realServers: [{ address: '10.0.0.5', acceptVIP: { mode: 'Tunnel' } }],
        }),
      ],
      realServers: [],
    }),
    entries: ['192.168.105.254:80/tcp Tunnel lvsip-0a000005'],
  },
  {
    name: 'fwmark: VIPs unknown, an issue on the VirtualServer',
    input: model({
      virtualServers: [vs('marked', { fwmark: 7, forwarding: 'DR', realServers: [{ address: '10.0.0.5' }] })],
      realServers: [],
    }),
    entries: [],
    issues: ['FwmarkVipsUnknown VirtualServer default/marked spec.fwmark'],
  },
  {
    name: 'fwmark with mode None is fine',
    input: model({
      virtualServers: [
        vs('marked', {
          fwmark: 7,
          forwarding: 'DR',
          realServers: [{ address: '10.0.0.5', acceptVIP: { mode: 'None' } }],
        }),
      ],
      realServers: [],
    }),
    entries: [],
  },
  {
    name: 'conflicting modes for one VIP: the later object gets the issue, the first keeps working',
    input: model({
      virtualServers: [
        vs('a-web', dr({ addresses: [{ ip: '192.168.105.253', port: 80 }] })),
        vs('b-web', {
          addresses: [{ ip: '192.168.105.253', port: 8080 }],
          forwarding: 'DR',
          realServerSelector: { matchLabels: { app: 'web' } },
        }),
      ],
      realServers: [rs('rs-1', { address: '10.0.0.5', acceptVIP: { mode: 'IptablesRedirect' } })],
    }),
    entries: ['192.168.105.253:80/tcp Loopback lo'],
    issues: ['AcceptModeConflict RealServer default/rs-1 spec.acceptVIP'],
  },
  {
    name: 'the same VIP with the same mode from two services is shared',
    input: model({
      virtualServers: [
        vs('a-web', dr({ addresses: [{ ip: '192.168.105.253', port: 80 }] })),
        vs('b-web', dr({ addresses: [{ ip: '192.168.105.253', port: 8080 }] })),
      ],
      realServers: [],
    }),
    entries: ['192.168.105.253:80/tcp Loopback lo', '192.168.105.253:8080/tcp Loopback lo'],
  },
  {
    name: 'Tunnel on a DR service (RealServer object): an issue',
    input: model({
      virtualServers: [
        vs('web', {
          addresses: [{ ip: '192.168.105.253', port: 80 }],
          forwarding: 'DR',
          realServerSelector: { matchLabels: { app: 'web' } },
        }),
      ],
      realServers: [rs('rs-1', { address: '10.0.0.5', acceptVIP: { mode: 'Tunnel' } })],
    }),
    entries: [],
    issues: ['AcceptModeUnsupported RealServer default/rs-1 spec.acceptVIP.mode'],
  },
  {
    name: 'Tunnel with an IPv6 VIP: ipip carries IPv4 only',
    input: model({
      virtualServers: [
        vs('tun6', {
          addresses: [{ ip: '2001:db8::10', port: 80 }],
          forwarding: 'TUN',
          realServers: [{ address: '10.0.0.5', acceptVIP: { mode: 'Tunnel' } }],
        }),
      ],
      realServers: [],
    }),
    entries: [],
    issues: ['AcceptModeUnsupported VirtualServer default/tun6 spec.realServers[0].acceptVIP.mode'],
  },
  {
    name: 'IPv6 DR: the VIP in canonical form',
    input: model({
      virtualServers: [
        vs('web6', {
          addresses: [{ ip: '2001:DB8:0:0::10', port: 80 }],
          forwarding: 'DR',
          realServers: [{ address: '2001:db8::5', node: 'backend-1' }],
        }),
      ],
      realServers: [],
    }),
    entries: ['2001:db8::10:80/tcp Loopback lo'],
  },
];

describe('selectEntries', () => {
  it.each(cases)('$name', ({ input, entries, issues }) => {
    const out = selectEntries(input, node);
    expect(out.entries.map(show)).toEqual(entries);
    expect(out.issues.map(showIssue)).toEqual(issues ?? []);
  });

  it('names the first claim in a conflict message', () => {
    const conflict = cases.find((c) => c.name.startsWith('conflicting'));
    if (!conflict) throw new Error('conflict case missing');
    const out = selectEntries(conflict.input, node);
    expect(out.issues[0]?.message).toBe(
      'VIP 192.168.105.253 is already accepted with Loopback on lo for VirtualServer default/a-web; RealServer default/rs-1 asks for IptablesRedirect (perPort false)',
    );
  });

  it("never accepts a VIP outside the cluster administrator's ranges: a VipDenied issue, the other VIPs proceed", () => {
    const policy = parseVipPolicy({ allowVip: ['192.168.105.0/24'], denyVip: ['192.168.105.1'] });
    const input = model({
      virtualServers: [
        vs('web', dr()),
        // A tenant's service that would put the cluster DNS address on this node's lo.
        vs('hijack', dr({ addresses: [{ ip: '10.96.0.10', port: 53 }], realServers: [{ address: '10.0.0.5' }] })),
        vs('redirect', {
          ...dr({ addresses: [{ ip: '192.168.105.1', port: 80 }] }),
          realServers: [{ address: '10.0.0.5', acceptVIP: { mode: 'IptablesRedirect' } }],
        }),
      ],
      realServers: [],
    });
    const out = selectEntries(input, node, policy);
    expect(out.entries.map(show)).toEqual([
      '192.168.105.253:80/tcp Loopback lo',
      '192.168.105.253:443/tcp Loopback lo',
    ]);
    expect(out.issues.map((i) => [showIssue(i), i.message])).toEqual([
      [
        'VipDenied VirtualServer default/hijack spec.addresses[0].ip',
        '10.96.0.10 is outside the ranges the cluster administrator allows for VIPs (--allow-vip: 192.168.105.0/24)',
      ],
      [
        'VipDenied VirtualServer default/redirect spec.addresses[0].ip',
        '192.168.105.1 is in 192.168.105.1/32, which the cluster administrator does not allow as a VIP (--deny-vip)',
      ],
    ]);
  });

  it('derives a stable ipip device name within IFNAMSIZ', () => {
    expect(tunnelDeviceName(ip('192.168.5.111'))).toBe('lvsip-c0a8056f');
    expect(tunnelDeviceName(ip('192.168.5.111')).length).toBeLessThanOrEqual(15);
  });
});
