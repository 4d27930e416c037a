import { CoreV1Api, CustomObjectsApi, EventsV1Api } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Controller } from '../../src/controller/index.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { createStatusApplier, StatusWriter } from '../../src/kube/index.js';
import { describeWithApiServer } from './api-server.js';
import { apply, freshNamespace, kubeConfigFrom } from './cluster.js';
import { waitFor } from './control-plane.js';

interface Obj {
  metadata: { name: string; finalizers?: string[]; deletionTimestamp?: string };
  status?: {
    master?: string;
    ready?: string;
    summary?: string;
    health?: { director: string; virtualServer: string; state: string }[];
    nodes?: { node: string; state: string }[];
    conditions?: { type: string; status: string; reason: string; message: string }[];
  };
}

describeWithApiServer('controller against a real API server', (kubeconfigPath) => {
  const kc = kubeConfigFrom(kubeconfigPath);
  const custom = kc.makeApiClient(CustomObjectsApi);
  let ns = '';
  let controller: Controller;

  const group = (name: string, vrid: number, vip: string) => ({
    apiVersion: 'lvs.io/v1alpha1',
    kind: 'VrrpGroup',
    metadata: { name, namespace: ns },
    spec: { virtualRouterId: vrid, version: 3, interface: 'eth0', virtualIPs: [{ address: vip }] },
  });
  const service = (name: string, vip: string) => ({
    apiVersion: 'lvs.io/v1alpha1',
    kind: 'VirtualServer',
    metadata: { name, namespace: ns },
    spec: {
      addresses: [{ ip: vip, port: 80 }],
      forwarding: 'DR',
      vrrpGroupRef: { name: 'a-first' },
      realServers: [
        { address: '192.0.2.21', port: 80, weight: 1 },
        { address: '192.0.2.22', port: 80, weight: 1 },
      ],
    },
  });
  const get = async (plural: string, name: string) =>
    (await custom.getNamespacedCustomObject({
      group: 'lvs.io',
      version: 'v1alpha1',
      plural,
      namespace: ns,
      name,
    })) as Obj;
  const condition = (o: Obj, type: string) => o.status?.conditions?.find((c) => c.type === type);

  beforeAll(async () => {
    ns = await freshNamespace(kc, 'controller');
    await kc.makeApiClient(CoreV1Api).createNode({ body: { metadata: { name: 'node-a' } } });
    controller = new Controller({
      kc,
      clock: systemClock,
      log: silentLogger(),
      registry: new Registry(),
      identity: 'test-controller',
      leaseNamespace: ns,
      namespace: ns,
      minIntervalMs: 50,
      leaseDurationMs: 3_000,
      renewDeadlineMs: 2_000,
      retryPeriodMs: 200,
    });
    controller.start();
    await waitFor('leadership', 10_000, async () => controller.isLeader);
  });

  afterAll(async () => {
    await controller?.stop();
    await kc.makeApiClient(CoreV1Api).deleteNode({ name: 'node-a' });
  });

  it('marks a duplicate VRID on the newer group with Conflict/DuplicateVrid and an Event', async () => {
    await apply(kc, group('a-first', 51, '192.0.2.10'));
    await apply(kc, group('b-second', 51, '192.0.2.11'));
    await waitFor(
      'conditions',
      15_000,
      async () => condition(await get('vrrpgroups', 'b-second'), 'Conflict')?.status === 'True',
    );
    const second = condition(await get('vrrpgroups', 'b-second'), 'Conflict');
    expect(second?.reason).toBe('DuplicateVrid');
    expect(second?.message).toContain('VRID 51 on interface eth0 is already used by VrrpGroup');
    expect(condition(await get('vrrpgroups', 'a-first'), 'Conflict')).toMatchObject({
      status: 'False',
      reason: 'NoConflict',
    });
    await waitFor('event', 10_000, async () => {
      const events = await kc.makeApiClient(EventsV1Api).listNamespacedEvent({ namespace: ns });
      return events.items.some((e) => e.regarding?.name === 'b-second' && e.reason === 'DuplicateVrid');
    });
  });

  it('marks an overlapping VIP (DuplicateVip) and a service served twice (DuplicateService)', async () => {
    await apply(kc, group('c-third', 52, '192.0.2.10'));
    await apply(kc, service('web-1', '192.0.2.10'));
    await apply(kc, service('web-2', '192.0.2.10'));
    await waitFor('conflicts', 15_000, async () => {
      const c = condition(await get('vrrpgroups', 'c-third'), 'Conflict');
      const s = condition(await get('virtualservers', 'web-2'), 'Conflict');
      return c?.reason === 'DuplicateVip' && s?.reason === 'DuplicateService';
    });
    expect(condition(await get('virtualservers', 'web-1'), 'Conflict')?.status).toBe('False');
  });

  it('clears the condition when the conflict goes away', async () => {
    await apply(kc, group('b-second', 53, '192.0.2.11'));
    await waitFor(
      'no conflict',
      15_000,
      async () => condition(await get('vrrpgroups', 'b-second'), 'Conflict')?.status === 'False',
    );
  });

  it('aggregates the master and the ready real servers from what the directors report', async () => {
    const applier = createStatusApplier(kc);
    const nodeA = new StatusWriter({ applier, fieldManager: 'lvs-operator/node-a', log: silentLogger() });
    await nodeA.write(
      { kind: 'VrrpGroup', namespace: ns, name: 'a-first' },
      { nodes: [{ node: 'node-a', state: 'Master', effectivePriority: 100 }] },
    );
    await nodeA.write(
      { kind: 'VirtualServer', namespace: ns, name: 'web-1' },
      {
        realServers: [
          { address: '192.0.2.21', port: 80, director: 'node-a', health: 'Up', weight: 1 },
          { address: '192.0.2.22', port: 80, director: 'node-a', health: 'Down', weight: 0 },
        ],
      },
    );
    await waitFor('aggregates', 15_000, async () => {
      const g = await get('vrrpgroups', 'a-first');
      const s = await get('virtualservers', 'web-1');
      return g.status?.master === 'node-a' && s.status?.master === 'node-a' && s.status?.ready === '1/2';
    });
    await waitFor('MasterChanged', 15_000, async () =>
      (await kc.makeApiClient(EventsV1Api).listNamespacedEvent({ namespace: ns })).items.some(
        (e) =>
          e.reason === 'MasterChanged' &&
          e.regarding?.name === 'a-first' &&
          e.note === 'node-a is MASTER (no master before)',
      ),
    );
  });

  it("summarises a RealServer's health over the directors' status.health entries", async () => {
    const backend = {
      apiVersion: 'lvs.io/v1alpha1',
      kind: 'RealServer',
      metadata: { name: 'backend-1', namespace: ns },
      spec: { address: '192.0.2.31', port: 80 },
    };
    await apply(kc, backend);
    const director = (node: string) =>
      new StatusWriter({ applier: createStatusApplier(kc), fieldManager: `lvs-operator/${node}`, log: silentLogger() });
    const ref = { kind: 'RealServer' as const, namespace: ns, name: 'backend-1' };
    await director('node-a').write(ref, { health: [{ director: 'node-a', virtualServer: 'web-1', state: 'Up' }] });
    await waitFor('Up 1/1', 15_000, async () => (await get('realservers', 'backend-1')).status?.summary === 'Up 1/1');
    // A second director's entries sit next to the first's (keyed by director), never over them.
    await kc.makeApiClient(CoreV1Api).createNode({ body: { metadata: { name: 'node-b' } } });
    await director('node-b').write(ref, {
      health: [{ director: 'node-b', virtualServer: 'web-1', state: 'Down', reason: 'VipNotAccepted: no lo' }],
    });
    await waitFor('Degraded 1/2', 15_000, async () => {
      const o = await get('realservers', 'backend-1');
      return o.status?.summary === 'Degraded 1/2' && o.status.health?.length === 2;
    });
    await kc.makeApiClient(CoreV1Api).deleteNode({ name: 'node-b' });
    await waitFor("the deleted node's entry removed", 15_000, async () => {
      const o = await get('realservers', 'backend-1');
      return o.status?.summary === 'Up 1/1' && o.status.health?.length === 1;
    });
  });

  it('removes the status items of a node that does not exist', async () => {
    const gone = new StatusWriter({
      applier: createStatusApplier(kc),
      fieldManager: 'lvs-operator/node-gone',
      log: silentLogger(),
    });
    await gone.write(
      { kind: 'VrrpGroup', namespace: ns, name: 'a-first' },
      { nodes: [{ node: 'node-gone', state: 'Backup', effectivePriority: 90 }] },
    );
    await waitFor('cleanup', 15_000, async () => {
      const nodes = (await get('vrrpgroups', 'a-first')).status?.nodes?.map((n) => n.node);
      return nodes?.join() === 'node-a';
    });
  });

  it('marks an object the API server accepts but our schema refuses with Invalid/InvalidSpec', async () => {
    // CEL has no address arithmetic, so the CRD lets a VIP that is the broadcast address of
    // its prefix through; our schema refuses it.
    await apply(kc, group('g-bad', 70, '192.0.2.255/24'));
    await waitFor(
      'Invalid',
      15_000,
      async () => condition(await get('vrrpgroups', 'g-bad'), 'Invalid')?.status === 'True',
    );
    const invalid = condition(await get('vrrpgroups', 'g-bad'), 'Invalid');
    expect(invalid?.reason).toBe('InvalidSpec');
    expect(invalid?.message).toContain(
      'spec.virtualIPs[0].address: 192.0.2.255/24 is the broadcast address of its prefix; a VIP must be a unicast address reachable on the interface',
    );
  });

  it('holds a deleted object with lvs.io/cleanup until no live node reports it', async () => {
    await apply(kc, group('d-fourth', 60, '192.0.2.60'));
    await waitFor('finalizer', 15_000, async () =>
      ((await get('vrrpgroups', 'd-fourth')).metadata.finalizers ?? []).includes('lvs.io/cleanup'),
    );
    const ref = { kind: 'VrrpGroup' as const, namespace: ns, name: 'd-fourth' };
    const nodeA = new StatusWriter({
      applier: createStatusApplier(kc),
      fieldManager: 'lvs-operator/node-a',
      log: silentLogger(),
    });
    await nodeA.write(ref, { nodes: [{ node: 'node-a', state: 'Master', effectivePriority: 100 }] });
    await custom.deleteNamespacedCustomObject({
      group: 'lvs.io',
      version: 'v1alpha1',
      plural: 'vrrpgroups',
      namespace: ns,
      name: 'd-fourth',
    });
    // node-a still reports the group: it has not cleaned up yet, so the object stays.
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await get('vrrpgroups', 'd-fourth')).metadata.deletionTimestamp).toBeDefined();
    // node-a removed its VIPs and IPVS services and withdraws its status items.
    await nodeA.write(ref, {});
    await waitFor('d-fourth gone', 15_000, () =>
      get('vrrpgroups', 'd-fourth').then(
        () => false,
        () => true,
      ),
    );
  });

  it('hands over to a standby replica that carries on', async () => {
    const standby = new Controller({
      kc,
      clock: systemClock,
      log: silentLogger(),
      registry: new Registry(),
      identity: 'standby',
      leaseNamespace: ns,
      namespace: ns,
      minIntervalMs: 50,
      leaseDurationMs: 3_000,
      renewDeadlineMs: 2_000,
      retryPeriodMs: 200,
    });
    standby.start();
    try {
      await new Promise((r) => setTimeout(r, 1_000));
      expect(standby.isLeader).toBe(false);
      await controller.stop();
      await waitFor('standby leads', 10_000, async () => standby.isLeader);
      await apply(kc, group('e-fifth', 51, '192.0.2.50'));
      await waitFor('standby marks the conflict', 15_000, async () => {
        return condition(await get('vrrpgroups', 'e-fifth'), 'Conflict')?.reason === 'DuplicateVrid';
      });
    } finally {
      await standby.stop();
    }
  });
});
