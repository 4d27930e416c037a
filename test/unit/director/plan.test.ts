import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ManifestObject } from '../../../src/api/index.js';
import { desiredTable, planNode, ServicePlanCache, type NodePlan } from '../../../src/director/index.js';
import { buildModel, ModelCache, type SecretResolver } from '../../../src/model/index.js';
import { loadManifestPaths, validateManifestSet } from '../../../src/sources/index.js';

const examples = join(import.meta.dirname, '..', '..', '..', 'examples');

async function load(folder: string): Promise<ManifestObject[]> {
  const loaded = await loadManifestPaths([join(examples, folder)]);
  const result = validateManifestSet(loaded.documents, loaded.diagnostics);
  expect(result.diagnostics).toEqual([]);
  return result.objects.map((o) => o.object);
}

const secrets =
  (values: Record<string, string>): SecretResolver =>
  (ns, name, key) =>
    values[`${ns}/${name}/${key}`];
/** The model of `objects` with the Secret values given. */
const modelOf = (objects: readonly ManifestObject[], values: Record<string, string> = {}) =>
  buildModel(objects, secrets(values));
const node = { name: 'lvs01', labels: {} };

describe('planNode', () => {
  it('plans seed 000: one VRRP instance with the password from its Secret, one DR service with HTTP checks', async () => {
    const plan = planNode(
      modelOf(await load('seed-000-dr-vrrp-redirect'), { 'default/vi-1-auth/password': '1111' }),
      node,
    );
    expect(plan.issues).toEqual([]);
    expect(plan.groups).toHaveLength(1);
    expect(plan.groups[0]?.config).toMatchObject({
      name: 'default/vi-1',
      vrid: 51,
      version: 2,
      interface: 'eth0',
      priority: 100,
      advertIntervalMs: 1000,
      preempt: false,
      virtualIPs: [{ address: '192.168.105.253', prefixLength: 32 }],
      auth: { type: 'pass', password: '1111' },
      garp: { masterDelayMs: 5000, masterRepeat: 5, masterRefreshMs: 0, masterRefreshRepeat: 1 },
    });
    const service = plan.services[0];
    expect(service).toMatchObject({
      ref: 'default/example-web-servers',
      groupRef: 'default/vi-1',
      programOn: 'Always',
    });
    // The HTTP check, and the VIP-path probe every DR server of a TCP service gets (Auto).
    expect(
      service?.backends.map((b) => [b.id, b.inhibitOnFailure, b.probes.map((p) => p.type), b.probes[0]?.intervalMs]),
    ).toEqual([
      ['192.168.5.111:80', true, ['HTTP', 'VIP_PATH'], 3000],
      ['192.168.5.112:80', true, ['HTTP', 'VIP_PATH'], 3000],
    ]);
  });

  it('the desired table of seed 000 is what ipvsadm -a -g -w 1 would write', async () => {
    const plan = planNode(
      modelOf(await load('seed-000-dr-vrrp-redirect'), { 'default/vi-1-auth/password': '1111' }),
      node,
    );
    const table = desiredTable(
      plan.services,
      () => undefined,
      () => 'backup',
    );
    const dest = (address: string) => ({
      key: { af: 'inet', address, port: 80 },
      forwarding: 'droute',
      weight: 1,
      upperThreshold: 0,
      lowerThreshold: 0,
      tunnelType: 'ipip',
      tunnelPort: 0,
      tunnelFlags: 0,
    });
    expect(table).toEqual([
      {
        key: { kind: 'addr', af: 'inet', protocol: 'tcp', address: '192.168.105.253', port: 80 },
        scheduler: 'lc',
        flags: 0,
        timeoutMs: 0,
        netmask: 0xffffffff,
        peName: '',
        destinations: [dest('192.168.5.111'), dest('192.168.5.112')],
      },
    ]);
  });

  it('follows the health plan: an inhibited server at weight 0, a down server gone', async () => {
    const plan = planNode(
      modelOf(await load('seed-000-dr-vrrp-redirect'), { 'default/vi-1-auth/password': '1111' }),
      node,
    );
    const table = desiredTable(
      plan.services,
      () => ({
        destinations: [{ id: '192.168.5.111:80', address: '192.168.5.111', port: 80, weight: 0 }],
        quorumUp: true,
        aliveWeight: 0,
      }),
      () => 'master',
    );
    expect(table[0]?.destinations.map((d) => [d.key.address, d.weight])).toEqual([['192.168.5.111', 0]]);
  });

  it.each([
    {
      name: 'inhibited on failure: weight 0',
      inhibit: true,
      expected: [
        ['192.168.5.111', 0],
        ['192.168.5.112', 1],
      ],
    },
    { name: 'not inhibited: out', inhibit: false, expected: [['192.168.5.112', 1]] },
  ])('a server failing outside its checks (external verdict), $name', async ({ inhibit, expected }) => {
    const plan = planNode(
      modelOf(await load('seed-000-dr-vrrp-redirect'), { 'default/vi-1-auth/password': '1111' }),
      node,
    );
    const services = plan.services.map((s) => ({
      ...s,
      backends: s.backends.map((b) => ({ ...b, inhibitOnFailure: inhibit })),
    }));
    const table = desiredTable(
      services,
      () => undefined,
      () => 'master',
      new Map([['default/example-web-servers', new Map([['192.168.5.111:80', 'VIP not accepted']])]]),
    );
    expect(table[0]?.destinations.map((d) => [d.key.address, d.weight])).toEqual(expected);
  });

  it('a missing Secret keeps the group out (transient) and keeps its previous plan', async () => {
    const objects = await load('seed-000-dr-vrrp-redirect');
    const good = planNode(modelOf(objects, { 'default/vi-1-auth/password': '1111' }), node);
    const withoutSecret = planNode(modelOf(objects), node, good);
    expect(withoutSecret.issues).toMatchObject([
      {
        object: { kind: 'VrrpGroup', namespace: 'default', name: 'vi-1' },
        transient: true,
        path: ['spec', 'authentication', 'secretRef'],
      },
    ]);
    expect(withoutSecret.groups).toEqual(good.groups);
    expect(planNode(modelOf(objects), node).groups).toEqual([]);
  });

  it('runs only the groups whose nodeSelector matches, and their services', async () => {
    const objects = await load('ipv6-vrrpv3');
    expect(planNode(modelOf(objects), { name: 'lb-1', labels: {} })).toMatchObject({ groups: [], services: [] });
    const plan: NodePlan = planNode(modelOf(objects), { name: 'lb-1', labels: { 'lvs.io/director': 'true' } });
    expect(plan.groups[0]?.config).toMatchObject({
      version: 3,
      family: 6,
      priority: 150,
      advertIntervalMs: 100,
      preempt: true,
      preemptDelayMs: 30_000,
    });
    expect(plan.services[0]?.services[0]?.key).toEqual({
      kind: 'addr',
      af: 'inet6',
      protocol: 'tcp',
      address: '2001:db8:10::100',
      port: 443,
    });
  });

  it('programOn: Master programs the service only while this node is master', async () => {
    const objects = (await load('seed-001-dr-loopback-arp')).map((o) =>
      o.kind === 'VirtualServer' ? { ...o, spec: { ...o.spec, programOn: 'Master' as const } } : o,
    );
    const plan = planNode(modelOf(objects, { 'default/vi-auth/password': 'XXXXXX' }), node);
    expect(
      desiredTable(
        plan.services,
        () => undefined,
        () => 'backup',
      ),
    ).toEqual([]);
    expect(
      desiredTable(
        plan.services,
        () => undefined,
        () => 'master',
      ),
    ).toHaveLength(1);
  });

  it('TUN with selected RealServer objects: tunnel destinations in name order', async () => {
    const plan = planNode(modelOf(await load('tun-ipip')), node);
    const table = desiredTable(
      plan.services,
      () => undefined,
      () => 'master',
    );
    expect(table[0]).toMatchObject({ scheduler: 'mh', flags: 0x10 });
    expect(table[0]?.destinations.map((d) => [d.key.address, d.forwarding, d.tunnelType])).toEqual([
      ['203.0.113.21', 'tunnel', 'ipip'],
      ['203.0.113.22', 'tunnel', 'ipip'],
    ]);
  });

  it('reports settings it accepts but does not act on, and still runs the object', async () => {
    const objects = (await load('seed-000-dr-vrrp-redirect')).map((o) =>
      o.kind === 'VrrpGroup'
        ? { ...o, spec: { ...o.spec, syncGroup: 'lb', virtualIPs: [{ address: '192.168.105.253', label: 'eth0:0' }] } }
        : o,
    );
    const plan = planNode(modelOf(objects, { 'default/vi-1-auth/password': '1111' }), node);
    expect(plan.groups).toHaveLength(1);
    expect(plan.unsupported.map((i) => [i.object, i.path.join('.')])).toEqual([
      [{ kind: 'VrrpGroup', namespace: 'default', name: 'vi-1' }, 'spec.syncGroup'],
      [{ kind: 'VrrpGroup', namespace: 'default', name: 'vi-1' }, 'spec.virtualIPs.0.label'],
    ]);
  });

  it('with a cache, re-plans only the VirtualServers that changed, and all of them when a RealServer changes', async () => {
    const objects = await load('tun-ipip');
    const resolve = secrets({});
    // The model cache hands out the same entry for an unchanged object; the plan cache keys on it.
    const models = new ModelCache();
    const cache = new ServicePlanCache();
    const fresh = (objs: readonly ManifestObject[]) => planNode(buildModel(objs, resolve), node);
    const first = planNode(models.build(objects, resolve), node, undefined, cache);
    expect(first).toEqual(fresh(objects));
    const again = planNode(models.build([...objects], resolve), node, first, cache);
    expect(again.services[0]).toBe(first.services[0]);

    const edited = objects.map((o) =>
      o.kind === 'VirtualServer' ? { ...o, spec: { ...o.spec, scheduler: 'rr' as const } } : o,
    );
    const replanned = planNode(models.build(edited, resolve), node, again, cache);
    expect(replanned).toEqual(fresh(edited));
    expect(replanned.services[0]?.services[0]?.scheduler).toBe('rr');

    const fewer = edited.filter(
      (o) =>
        !(o.kind === 'RealServer' && o.metadata.name === objects.find((x) => x.kind === 'RealServer')?.metadata.name),
    );
    const afterRealServer = planNode(models.build(fewer, resolve), node, replanned, cache);
    expect(afterRealServer).toEqual(fresh(fewer));
    expect(afterRealServer.services[0]?.backends).toHaveLength((replanned.services[0]?.backends.length ?? 0) - 1);
  });
});
