import { describe, expect, it } from 'vitest';
import { parseIP } from '../../../src/api/index.js';
import { directorStatusSection, type DirectorStatus } from '../../../src/director/index.js';
import { ZERO_STATS, type ObservedService } from '../../../src/ipvs/index.js';
import { NodeStatusDocumentSchema } from '../../../src/status/index.js';

const SINCE = Date.UTC(2026, 10, 22, 10, 0, 0);
const ip = (text: string) => {
  const a = parseIP(text);
  if (!a) throw new Error(text);
  return a;
};
const vip = { kind: 'addr' as const, af: 'inet' as const, protocol: 'tcp' as const, address: '192.0.2.100', port: 80 };

const status: DirectorStatus = {
  groups: [
    {
      object: { kind: 'VrrpGroup', namespace: 'ns', name: 'vg' },
      ref: 'ns/vg',
      vrid: 51,
      interface: 'eth0',
      state: 'master',
      priority: 150,
      effectivePriority: 140,
      master: 'self',
      virtualIPs: ['192.0.2.100/32'],
      vipConflicts: ['192.0.2.101'],
    },
  ],
  services: [
    {
      object: { kind: 'VirtualServer', namespace: 'ns', name: 'web' },
      ref: 'ns/web',
      programmed: true,
      ipvsServices: [vip],
      realServers: [
        {
          id: 'a',
          key: { address: ip('192.0.2.10'), port: 80 },
          weight: 5,
          realServer: { kind: 'RealServer', namespace: 'ns', name: 'web-1' },
          health: { state: 'Up', weight: 4, sinceMs: SINCE, checks: [] },
        },
        {
          id: 'b',
          key: { address: ip('192.0.2.11'), port: 80 },
          weight: 2,
          health: {
            state: 'Down',
            weight: 2,
            sinceMs: SINCE,
            reason: 'refused',
            detail: 'connect ECONNREFUSED',
            checks: [],
          },
        },
        { id: 'c', key: { address: ip('192.0.2.12'), port: 80 }, weight: 1, health: undefined },
      ],
      draining: [{ address: '192.0.2.9', port: 80, activeConns: 3, inactiveConns: 1, sinceMs: 1_000 }],
    },
  ],
  issues: [],
  unsupported: [],
};

const stats = { ...ZERO_STATS, conns: 10n, cps: 2n, inPps: 30n, outPps: 0n, inBps: 4000n, inBytes: 123_456n };
const table: ObservedService[] = [
  {
    key: vip,
    scheduler: 'wlc',
    flags: 0,
    timeoutMs: 0,
    netmask: 0xffffffff,
    peName: '',
    stats,
    destinations: [
      {
        key: { af: 'inet', address: '192.0.2.10', port: 80 },
        forwarding: 'droute',
        weight: 4,
        upperThreshold: 0,
        lowerThreshold: 0,
        tunnelType: 'ipip',
        tunnelPort: 0,
        tunnelFlags: 0,
        activeConns: 7,
        inactiveConns: 3,
        persistConns: 0,
        stats,
      },
    ],
  },
  {
    key: { kind: 'fwmark', af: 'inet', fwmark: 9 },
    scheduler: 'rr',
    flags: 0,
    timeoutMs: 0,
    netmask: 0xffffffff,
    peName: '',
    stats: ZERO_STATS,
    destinations: [],
  },
];

describe('directorStatusSection', () => {
  const section = directorStatusSection({
    node: 'lb1',
    status,
    table: { ok: true, services: table },
    transitionTimes: new Map([['ns/vg', '2026-11-22T10:00:05.000Z']]),
    nowMs: 41_000,
  });

  it('VRRP instances with configured and effective priority, VIPs, conflicts and since', () => {
    expect(section.vrrp).toEqual([
      {
        group: 'ns/vg',
        vrid: 51,
        interface: 'eth0',
        state: 'MASTER',
        priority: 150,
        effectivePriority: 140,
        master: 'self',
        virtualIPs: ['192.0.2.100/32'],
        vipConflicts: ['192.0.2.101'],
        since: '2026-11-22T10:00:05.000Z',
      },
    ]);
  });

  it('the whole kernel table with rates and totals, ours marked with its VirtualServer', () => {
    expect(section.ipvs).toEqual([
      {
        protocol: 'TCP',
        address: '192.0.2.100',
        port: 80,
        family: 'inet',
        scheduler: 'wlc',
        virtualServer: 'ns/web',
        rates: { cps: 2, inPps: 30, outPps: 0, inBps: 4000, outBps: 0 },
        totals: { conns: 10, inPkts: 0, outPkts: 0, inBytes: 123_456, outBytes: 0 },
        destinations: [
          {
            address: '192.0.2.10',
            port: 80,
            forwarding: 'Route',
            weight: 4,
            activeConns: 7,
            inactiveConns: 3,
            rates: { cps: 2, inPps: 30, outPps: 0, inBps: 4000, outBps: 0 },
            totals: { conns: 10, inPkts: 0, outPkts: 0, inBytes: 123_456, outBytes: 0 },
          },
        ],
      },
      expect.objectContaining({ protocol: 'FWM', fwmark: 9, scheduler: 'rr', destinations: [] }),
    ]);
    expect(section.ipvs[1]).not.toHaveProperty('virtualServer');
    expect(section.ipvsError).toBeUndefined();
  });

  it('real server health as the status items have it, weight now and configured, draining', () => {
    expect(section.virtualServers).toEqual([
      {
        virtualServer: 'ns/web',
        programmed: true,
        realServers: [
          {
            address: '192.0.2.10',
            port: 80,
            realServer: 'ns/web-1',
            health: 'Up',
            since: '2026-11-22T10:00:00.000Z',
            weight: 4,
            configuredWeight: 5,
          },
          {
            address: '192.0.2.11',
            port: 80,
            health: 'Down',
            reason: 'refused: connect ECONNREFUSED',
            since: '2026-11-22T10:00:00.000Z',
            weight: 0,
            configuredWeight: 2,
          },
          { address: '192.0.2.12', port: 80, health: 'Unknown', weight: 0, configuredWeight: 1 },
        ],
        draining: [{ address: '192.0.2.9', port: 80, activeConns: 3, inactiveConns: 1, drainingMs: 40_000 }],
      },
    ]);
  });

  it('fits the document schema', () => {
    const doc = {
      version: 1,
      node: 'lb1',
      roles: ['director'],
      time: '2026-11-22T10:00:41.000Z',
      director: section,
      conditions: [],
      events: [],
    };
    expect(NodeStatusDocumentSchema.parse(JSON.parse(JSON.stringify(doc)))).toEqual(doc);
  });

  it('a table that could not be read: no services, the reason', () => {
    const failed = directorStatusSection({
      node: 'lb1',
      status,
      table: { ok: false, error: 'netlink: EPERM' },
      transitionTimes: new Map(),
      nowMs: 0,
    });
    expect(failed.ipvs).toEqual([]);
    expect(failed.ipvsError).toBe('netlink: EPERM');
    expect(failed.vrrp[0]).not.toHaveProperty('since');
  });
});
