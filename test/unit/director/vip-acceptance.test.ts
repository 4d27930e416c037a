import { describe, expect, it } from 'vitest';
import { validateObject, type ManifestObject } from '../../../src/api/index.js';
import { planNode, plannedKey, vipAcceptance } from '../../../src/director/index.js';
import { buildModel } from '../../../src/model/index.js';

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
      // The verdicts must be computed again when the grace period ends.
      nextDeadline: NOW + 1_000,
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
  ])('$name', ({ objects, ids, plannedAt, failing, nextDeadline }) => {
    const model = buildModel(objects, () => undefined);
    const planned = planNode(model, { name: 'lb1', labels: {} }).services;
    expect(planned.flatMap((s) => s.backends.map((b) => b.id))).toEqual(ids);
    const first = new Map(ids.map((id) => [plannedKey('ns/web', id), plannedAt ?? NOW]));
    const r = vipAcceptance({ planned, services: model.services, firstPlannedMs: first, nowMs: NOW });
    expect(Object.fromEntries(r.failing.get('ns/web') ?? [])).toEqual(failing);
    expect(r.issues.map((i) => [i.reason, i.object])).toEqual(
      Object.keys(failing).length > 0
        ? [['VipNotAccepted', { kind: 'VirtualServer', namespace: 'ns', name: 'web' }]]
        : [],
    );
    expect(r.nextDeadlineMs).toBe(nextDeadline);
  });

  it('a server this director does not plan is not judged', () => {
    const model = buildModel(
      [vs({ realServers: [{ address: '10.0.0.1', port: 80, node: 'web-1' }] })],
      () => undefined,
    );
    const planned = planNode(model, { name: 'lb1', labels: {} }).services.map((s) => ({ ...s, backends: [] }));
    const r = vipAcceptance({ planned, services: model.services, firstPlannedMs: new Map(), nowMs: NOW });
    expect(r).toEqual({ failing: new Map(), issues: [] });
  });
});
