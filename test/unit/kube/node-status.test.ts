import { describe, expect, it } from 'vitest';
import { RealServerStatusSchema, VirtualServerStatusSchema, VrrpGroupStatusSchema } from '../../../src/api/index.js';
import type { DirectorStatus } from '../../../src/director/index.js';
import {
  directorStatusItems,
  nodeFieldManager,
  nodeOfFieldManager,
  ownedStatusFieldRefs,
  realServerEntry,
  realserverStatusItems,
  staleStatusRefs,
  stoppedGroupItems,
  type CachedObject,
  type NodeStatusItem,
} from '../../../src/kube/index.js';

const SINCE = Date.UTC(2026, 10, 22, 1, 0, 0);
const up = { state: 'Up' as const, weight: 3, sinceMs: SINCE, checks: [] };
const down = { state: 'Down' as const, weight: 3, sinceMs: SINCE, reason: 'refused' as const, checks: [] };

describe('directorStatusItems', () => {
  const status: DirectorStatus = {
    groups: [{ ref: 'ns/vg', state: 'master', effectivePriority: 150, master: undefined }],
    services: [
      {
        ref: 'ns/web',
        programmed: true,
        realServers: [
          { id: '192.0.2.10:80', address: '192.0.2.10', port: 80, health: up },
          { id: '[2001:db8::1]:80', address: '2001:db8::1', port: 80, health: down },
          { id: '192.0.2.12:80', address: '192.0.2.12', port: 80, health: undefined },
        ],
      },
      {
        ref: 'ns/standby',
        programmed: false,
        realServers: [{ id: '192.0.2.20:443', address: '192.0.2.20', port: 443, health: up }],
      },
      { ref: 'ns/empty', programmed: true, realServers: [] },
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

describe('realserverStatusItems', () => {
  it('reports status.vips per RealServer object, an object without VIPs included', () => {
    const items = realserverStatusItems('web-node', [
      {
        realServer: { kind: 'RealServer', namespace: 'ns', name: 'web1' },
        vips: [
          { vip: '192.0.2.100', mode: 'Loopback', configured: true },
          { vip: '192.0.2.101', mode: 'IptablesRedirect', configured: false, message: 'REDIRECT rules unavailable' },
        ],
      },
      { realServer: { kind: 'RealServer', namespace: 'ns', name: 'web2' }, vips: [] },
    ]);
    expect(items).toEqual([
      {
        ref: { kind: 'RealServer', namespace: 'ns', name: 'web1' },
        status: {
          vips: [
            { vip: '192.0.2.100', mode: 'Loopback', configured: true },
            { vip: '192.0.2.101', mode: 'IptablesRedirect', configured: false, message: 'REDIRECT rules unavailable' },
          ],
        },
      },
      { ref: { kind: 'RealServer', namespace: 'ns', name: 'web2' }, status: { vips: [] } },
    ]);
    for (const i of items) expect(RealServerStatusSchema.safeParse(i.status).success).toBe(true);
  });

  it('reports the inline real servers of a VirtualServer in its status.realServerVips, keyed by node', () => {
    const items = realserverStatusItems(
      'web-node',
      [],
      [
        {
          virtualServer: { kind: 'VirtualServer', namespace: 'ns', name: 'web' },
          vips: [
            { address: '192.0.2.10', vip: '192.0.2.100', mode: 'Loopback', configured: true },
            { address: '192.0.2.11', vip: '192.0.2.100', mode: 'Loopback', configured: false, message: 'no lo' },
          ],
        },
      ],
    );
    expect(items).toEqual([
      {
        ref: { kind: 'VirtualServer', namespace: 'ns', name: 'web' },
        status: {
          realServerVips: [
            { node: 'web-node', address: '192.0.2.10', vip: '192.0.2.100', mode: 'Loopback', configured: true },
            {
              node: 'web-node',
              address: '192.0.2.11',
              vip: '192.0.2.100',
              mode: 'Loopback',
              configured: false,
              message: 'no lo',
            },
          ],
        },
      },
    ]);
    expect(VirtualServerStatusSchema.safeParse(items[0]?.status).success).toBe(true);
  });
});

describe('field managers', () => {
  it.each([
    { name: 'director', manager: nodeFieldManager('lb1'), node: 'lb1' },
    { name: 'realserver', manager: nodeFieldManager('web-1', 'realserver'), node: 'web-1' },
    { name: 'the controller', manager: 'lvs-operator/controller', node: undefined },
    { name: 'anyone else', manager: 'kubectl-client-side-apply', node: undefined },
  ])('$name: $manager', ({ manager, node }) => {
    expect(nodeOfFieldManager(manager, 'lvs-operator/controller')).toBe(node);
  });

  it('gives each role of a node its own manager', () => {
    expect(nodeFieldManager('n1')).not.toBe(nodeFieldManager('n1', 'realserver'));
  });
});

describe('realServerEntry', () => {
  it('an external verdict makes a healthy server Down at weight 0 with the verdict as reason', () => {
    const rs = { id: '192.0.2.10:80', address: '192.0.2.10', port: 80, health: up };
    expect(realServerEntry('lb1', true, rs, 'VIP 192.0.2.100 not accepted on web-1: no lo')).toMatchObject({
      health: 'Down',
      weight: 0,
      reason: 'VipNotAccepted: VIP 192.0.2.100 not accepted on web-1: no lo',
    });
    expect(realServerEntry('lb1', true, rs, undefined)).toMatchObject({ health: 'Up', weight: 3 });
  });
});

describe('staleStatusRefs', () => {
  const manager = nodeFieldManager('lb1');
  const owned = (name: string, fields: object, m = manager): CachedObject & { metadata: { name: string } } => ({
    metadata: {
      namespace: 'ns',
      name,
      managedFields: [
        { manager: 'kubectl', fieldsV1: {} },
        { manager: m, subresource: 'status', fieldsV1: { 'f:status': fields } },
      ],
    },
  });
  const reported: NodeStatusItem[] = [{ ref: { kind: 'VirtualServer', namespace: 'ns', name: 'live' }, status: {} }];

  it.each([
    { name: 'still reported', obj: owned('live', { 'f:realServers': {} }), stale: false },
    { name: 'owned but no longer reported', obj: owned('gone', { 'f:realServers': {} }), stale: true },
    { name: 'already withdrawn (empty apply)', obj: owned('gone', {}), stale: false },
    { name: "another node's items", obj: owned('gone', { 'f:realServers': {} }, 'lvs-operator/lb2'), stale: false },
    {
      name: 'never written',
      obj: { metadata: { namespace: 'ns', name: 'x' } } as CachedObject & { metadata: { name: string } },
      stale: false,
    },
  ])('$name', ({ obj, stale }) => {
    const refs = staleStatusRefs('VirtualServer', [obj], manager, reported);
    expect(refs).toEqual(stale ? [{ kind: 'VirtualServer', namespace: 'ns', name: obj.metadata.name }] : []);
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

describe('ownedStatusFieldRefs', () => {
  const obj = (name: string, manager: string, fields: object): CachedObject => ({
    metadata: {
      namespace: 'ns',
      name,
      managedFields: [{ manager, subresource: 'status', fieldsV1: { 'f:status': fields } }],
    },
  });
  it('finds the RealServers whose status.vips a role wrote under its former manager, and only those', () => {
    const cached = [
      obj('old', 'lvs-operator/web-1', { 'f:vips': {} }),
      obj('director', 'lvs-operator/web-1', { 'f:health': {} }),
      obj('new', 'lvs-operator/web-1/realserver', { 'f:vips': {} }),
      obj('other', 'lvs-operator/web-2', { 'f:vips': {} }),
    ];
    expect(ownedStatusFieldRefs('RealServer', cached, 'lvs-operator/web-1', 'vips')).toEqual([
      { kind: 'RealServer', namespace: 'ns', name: 'old' },
    ]);
  });
});
