import { describe, expect, it } from 'vitest';
import {
  parseIP,
  RealServerStatusSchema,
  VirtualServerStatusSchema,
  VrrpGroupStatusSchema,
} from '../../../src/api/index.js';
import {
  directorStatusItems,
  realServerEntry,
  stoppedGroupItems,
  type DirectorStatus,
} from '../../../src/director/index.js';
import type { BackendKey, ObjectRef } from '../../../src/model/index.js';
import type { NodeStatusItem } from '../../../src/status/index.js';

const SINCE = Date.UTC(2026, 10, 22, 1, 0, 0);
const up = { state: 'Up' as const, weight: 3, sinceMs: SINCE, checks: [] };
const down = { state: 'Down' as const, weight: 3, sinceMs: SINCE, reason: 'refused' as const, checks: [] };

const key = (address: string, port: number): BackendKey => {
  const ip = parseIP(address);
  if (!ip) throw new Error(`bad address ${address}`);
  return { address: ip, port };
};
const virtualServer = (name: string): ObjectRef => ({ kind: 'VirtualServer', namespace: 'ns', name });
const realServer = (name: string): ObjectRef => ({ kind: 'RealServer', namespace: 'ns', name });

describe('directorStatusItems', () => {
  const status: DirectorStatus = {
    groups: [
      {
        object: { kind: 'VrrpGroup', namespace: 'ns', name: 'vg' },
        ref: 'ns/vg',
        vrid: 51,
        interface: 'eth0',
        state: 'master',
        priority: 150,
        effectivePriority: 150,
        master: undefined,
        virtualIPs: ['192.0.2.100/32'],
      },
    ],
    services: [
      {
        object: virtualServer('web'),
        ref: 'ns/web',
        programmed: true,
        ipvsServices: [],
        realServers: [
          { id: '192.0.2.10:80', key: key('192.0.2.10', 80), weight: 1, health: up },
          { id: '[2001:db8::1]:80', key: key('2001:db8::1', 80), weight: 1, health: down },
          { id: '192.0.2.12:80', key: key('192.0.2.12', 80), weight: 1, health: undefined },
        ],
      },
      {
        object: virtualServer('standby'),
        ref: 'ns/standby',
        programmed: false,
        ipvsServices: [],
        realServers: [{ id: '192.0.2.20:443', key: key('192.0.2.20', 443), weight: 1, health: up }],
      },
      { object: virtualServer('empty'), ref: 'ns/empty', programmed: true, ipvsServices: [], realServers: [] },
    ],
    issues: [],
    unsupported: [],
  };
  const items = directorStatusItems('lb1', status, new Map([['ns/vg', '2026-11-22T01:00:05.000Z']]));

  it('reports this node in the group, keyed by node', () => {
    expect(items[0]).toEqual({
      ref: { kind: 'VrrpGroup', namespace: 'ns', name: 'vg' },
      status: {
        nodes: [
          { node: 'lb1', state: 'Master', effectivePriority: 150, lastTransitionTime: '2026-11-22T01:00:05.000Z' },
        ],
      },
    });
  });

  it("names the VIPs found on the node that it did not add, for the controller's Conflict condition", () => {
    const conflicted = directorStatusItems(
      'lb1',
      {
        ...status,
        groups: status.groups.map((g) => ({ ...g, vipConflicts: ['192.0.2.5', '192.0.2.6'] })),
      },
      new Map(),
    );
    expect(conflicted[0]?.status).toEqual({
      nodes: [
        {
          node: 'lb1',
          state: 'Master',
          effectivePriority: 150,
          reason: 'VipConflict: 192.0.2.5, 192.0.2.6 already on the node, not added by lvs-operator: left alone',
        },
      ],
    });
  });

  it.each([
    {
      name: 'programmed: up servers at their weight, down at 0, unchecked left out',
      ref: 'web',
      expected: [
        { address: '192.0.2.10', port: 80, health: 'Up', weight: 3 },
        { address: '2001:db8::1', port: 80, health: 'Down', weight: 0, reason: 'refused:' },
      ],
    },
    {
      name: 'not programmed here: weight 0',
      ref: 'standby',
      expected: [{ address: '192.0.2.20', port: 443, weight: 0 }],
    },
    { name: 'no real servers: an empty list still holds the object', ref: 'empty', expected: [] },
  ])('$name', ({ ref, expected }) => {
    const item = items.find((i) => i.ref.kind === 'VirtualServer' && i.ref.name === ref);
    const rs = (item?.status as { realServers: unknown[] }).realServers;
    expect(rs).toHaveLength(expected.length);
    expected.forEach((e, i) =>
      expect(rs[i]).toMatchObject({ ...e, director: 'lb1', since: '2026-11-22T01:00:00.000Z' }),
    );
  });

  it('produces statuses the schemas accept', () => {
    for (const { ref, status: s } of items) {
      const schema = ref.kind === 'VrrpGroup' ? VrrpGroupStatusSchema : VirtualServerStatusSchema;
      expect(schema.safeParse(s).success, `${ref.kind} ${ref.name}`).toBe(true);
    }
  });
});

describe('directorStatusItems: RealServer status.health', () => {
  const upOne = { ...up, weight: 1, sinceMs: Date.UTC(2026, 10, 22) };
  const selected = (
    ...servers: { name: string; address: string; failing?: string }[]
  ): DirectorStatus['services'][number] => ({
    object: virtualServer('web'),
    ref: 'ns/web',
    programmed: true,
    ipvsServices: [],
    realServers: servers.map((s) => ({
      id: `${s.address}:80`,
      key: key(s.address, 80),
      weight: 1,
      realServer: realServer(s.name),
      health: upOne,
      ...(s.failing === undefined ? {} : { failing: s.failing }),
    })),
  });

  it('writes status.health of each selected RealServer, keyed by director and VirtualServer', () => {
    const items = directorStatusItems(
      'lb1',
      {
        groups: [],
        services: [
          selected(
            { name: 'web1', address: '10.0.0.2' },
            { name: 'web2', address: '10.0.0.3', failing: 'VIP 192.0.2.100 not accepted: device lo is down' },
          ),
        ],
        issues: [],
        unsupported: [],
      },
      new Map(),
    ).filter((i) => i.ref.kind === 'RealServer');
    expect(items.map((i) => [i.ref.name, i.status])).toEqual([
      [
        'web1',
        { health: [{ director: 'lb1', virtualServer: 'web', state: 'Up', weight: 1, since: expect.any(String) }] },
      ],
      [
        'web2',
        {
          health: [
            {
              director: 'lb1',
              virtualServer: 'web',
              state: 'Down',
              weight: 0,
              reason: 'VipNotAccepted: VIP 192.0.2.100 not accepted: device lo is down',
              since: expect.any(String),
            },
          ],
        },
      ],
    ]);
    for (const i of items) expect(RealServerStatusSchema.safeParse(i.status).success).toBe(true);
  });

  it('gives a selected RealServer whose health is not known yet an empty list, which holds its finalizer', () => {
    const service = selected({ name: 'web1', address: '10.0.0.2' });
    const unknown = { ...service, realServers: service.realServers.map((r) => ({ ...r, health: undefined })) };
    const items = directorStatusItems(
      'lb1',
      { groups: [], services: [unknown], issues: [], unsupported: [] },
      new Map(),
    );
    expect(items.filter((i) => i.ref.kind === 'RealServer')).toEqual([
      { ref: realServer('web1'), status: { health: [] } },
    ]);
  });

  it('leaves out RealServers of services this director does not plan', () => {
    expect(directorStatusItems('lb1', { groups: [], services: [], issues: [], unsupported: [] }, new Map())).toEqual(
      [],
    );
  });
});

describe('realServerEntry', () => {
  it('an external verdict makes a healthy server Down at weight 0 with the verdict as reason', () => {
    const rs = { id: '192.0.2.10:80', key: key('192.0.2.10', 80), weight: 1, health: up };
    expect(
      realServerEntry('lb1', true, { ...rs, failing: 'VIP 192.0.2.100 not accepted on web-1: no lo' }),
    ).toMatchObject({
      health: 'Down',
      weight: 0,
      reason: 'VipNotAccepted: VIP 192.0.2.100 not accepted on web-1: no lo',
    });
    expect(realServerEntry('lb1', true, rs)).toMatchObject({ health: 'Up', weight: 3 });
  });
});

describe('stoppedGroupItems', () => {
  it('turns the group items Stopped at priority 0 and leaves the rest out', () => {
    const items: NodeStatusItem[] = [
      {
        ref: { kind: 'VrrpGroup', namespace: 'ns', name: 'vg' },
        status: { nodes: [{ node: 'lb1', state: 'Master', effectivePriority: 150 }] },
      },
      { ref: { kind: 'VirtualServer', namespace: 'ns', name: 'web' }, status: { realServers: [] } },
    ];
    expect(stoppedGroupItems(items, '2026-11-22T02:00:00.000Z')).toEqual([
      {
        ref: { kind: 'VrrpGroup', namespace: 'ns', name: 'vg' },
        status: {
          nodes: [
            { node: 'lb1', state: 'Stopped', effectivePriority: 0, lastTransitionTime: '2026-11-22T02:00:00.000Z' },
          ],
        },
      },
    ]);
  });
});
