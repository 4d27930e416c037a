import { describe, expect, it } from 'vitest';
import { RealServerStatusSchema, validateObject, type ManifestObject } from '../../../src/api/index.js';
import type { DirectorStatus } from '../../../src/director/index.js';
import { directorRealServerItems, plannedKey, vipAcceptance } from '../../../src/kube/index.js';

const up = { state: 'Up' as const, weight: 1, sinceMs: Date.UTC(2026, 10, 22), checks: [] };

function parse(raw: object): ManifestObject {
  const r = validateObject({ apiVersion: 'lvs.io/v1alpha1', ...raw });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.object;
}

const vs = (spec: object, status?: object) =>
  parse({
    kind: 'VirtualServer',
    metadata: { name: 'web', namespace: 'ns' },
    spec: { addresses: [{ ip: '192.0.2.100', port: 80 }], scheduler: 'rr', forwarding: 'DR', ...spec },
    ...(status ? { status } : {}),
  });

const realServer = (name: string, spec: object, status?: object) =>
  parse({
    kind: 'RealServer',
    metadata: { name, namespace: 'ns', labels: { app: 'web' } },
    spec: { port: 80, ...spec },
    ...(status ? { status } : {}),
  });

const planned = (...ids: string[]): DirectorStatus['services'] => [
  {
    ref: 'ns/web',
    programmed: true,
    realServers: ids.map((id) => ({ id, address: id.split(':')[0] ?? '', port: 80, health: up })),
  },
];

const NOW = 100_000;

describe('vipAcceptance', () => {
  it.each([
    {
      name: 'inline server reported configured: not failing',
      objects: [
        vs(
          { realServers: [{ address: '10.0.0.1', port: 80 }] },
          {
            realServerVips: [
              { node: 'web-1', address: '10.0.0.1', vip: '192.0.2.100', mode: 'Loopback', configured: true },
            ],
          },
        ),
      ],
      ids: ['10.0.0.1:80'],
      failing: {},
    },
    {
      name: 'inline server reported not configured: failing with the message and the node',
      objects: [
        vs(
          { realServers: [{ address: '10.0.0.1', port: 80 }] },
          {
            realServerVips: [
              {
                node: 'web-1',
                address: '10.0.0.1',
                vip: '192.0.2.100',
                mode: 'IptablesRedirect',
                configured: false,
                message: 'REDIRECT rules unavailable',
              },
            ],
          },
        ),
      ],
      ids: ['10.0.0.1:80'],
      failing: { '10.0.0.1:80': 'VIP 192.0.2.100 not accepted on web-1: REDIRECT rules unavailable' },
    },
    {
      name: 'RealServer object whose status.vips says not configured: failing',
      objects: [
        vs({ realServerSelector: { matchLabels: { app: 'web' } } }),
        realServer(
          'web1',
          { address: '10.0.0.2' },
          { vips: [{ vip: '192.0.2.100', mode: 'Loopback', configured: false, message: 'device lo is down' }] },
        ),
      ],
      ids: ['10.0.0.2:80'],
      failing: { '10.0.0.2:80': 'VIP 192.0.2.100 not accepted: device lo is down' },
    },
    {
      name: 'no report from a named node within the grace period: not failing yet',
      objects: [vs({ realServers: [{ address: '10.0.0.1', port: 80, node: 'web-1' }] })],
      ids: ['10.0.0.1:80'],
      plannedAt: NOW - 29_000,
      failing: {},
    },
    {
      name: 'no report from a named node after the grace period: failing',
      objects: [vs({ realServers: [{ address: '10.0.0.1', port: 80, node: 'web-1' }] })],
      ids: ['10.0.0.1:80'],
      plannedAt: NOW - 30_000,
      failing: { '10.0.0.1:80': 'no report for VIP 192.0.2.100 from the realserver role of node web-1 after 30 s' },
    },
    {
      name: 'no report for a server without node (matched by address, maybe accepted by hand): not failing',
      objects: [vs({ realServers: [{ address: '10.0.0.1', port: 80 }] })],
      ids: ['10.0.0.1:80'],
      plannedAt: 0,
      failing: {},
    },
    {
      name: 'NAT needs nothing on the backend',
      objects: [vs({ forwarding: 'NAT', realServers: [{ address: '10.0.0.1', port: 80, node: 'web-1' }] })],
      ids: ['10.0.0.1:80'],
      plannedAt: 0,
      failing: {},
    },
    {
      name: 'acceptVIP mode None is done by hand',
      objects: [vs({ realServers: [{ address: '10.0.0.1', port: 80, node: 'web-1', acceptVIP: { mode: 'None' } }] })],
      ids: ['10.0.0.1:80'],
      plannedAt: 0,
      failing: {},
    },
  ])('$name', ({ objects, ids, plannedAt, failing }) => {
    const first = new Map(ids.map((id) => [plannedKey('ns/web', id), plannedAt ?? NOW]));
    const r = vipAcceptance({ services: planned(...ids), objects, firstPlannedMs: first, nowMs: NOW });
    expect(Object.fromEntries(r.failing.get('ns/web') ?? [])).toEqual(failing);
    expect(r.issues.map((i) => i.reason)).toEqual(Object.keys(failing).length > 0 ? ['VipNotAccepted'] : []);
  });
});

describe('directorRealServerItems', () => {
  const objects = [
    vs({ realServerSelector: { matchLabels: { app: 'web' } } }),
    realServer('web1', { address: '10.0.0.2' }),
    realServer('web2', { address: '10.0.0.3' }),
  ];

  it('writes status.health of each selected RealServer, keyed by director and VirtualServer', () => {
    const items = directorRealServerItems(
      'lb1',
      { groups: [], services: planned('10.0.0.2:80', '10.0.0.3:80'), issues: [], unsupported: [] },
      objects,
      new Map([['ns/web', new Map([['10.0.0.3:80', 'VIP 192.0.2.100 not accepted: device lo is down']])]]),
    );
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

  it('leaves out RealServers of services this director does not plan', () => {
    expect(directorRealServerItems('lb1', { groups: [], services: [], issues: [], unsupported: [] }, objects)).toEqual(
      [],
    );
  });
});
