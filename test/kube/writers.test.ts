import { CustomObjectsApi, EventsV1Api, KubernetesObjectApi } from '@kubernetes/client-node';
import { beforeAll, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { createEventSink, EventRecorder } from '../../src/kube/event-recorder.js';
import { CLEANUP_FINALIZER, setFinalizer } from '../../src/kube/finalizers.js';
import { LeaderElector } from '../../src/kube/leader-elector.js';
import type { LvsObjectRef } from '../../src/kube/object-ref.js';
import { createStatusApplier, StatusWriter, type StatusApplier } from '../../src/kube/status-writer.js';
import { describeWithApiServer } from './api-server.js';
import { apply, freshNamespace, kubeConfigFrom } from './cluster.js';
import { waitFor } from './control-plane.js';

const group = (namespace: string, name: string) => ({
  apiVersion: 'lvs.io/v1alpha1',
  kind: 'VrrpGroup',
  metadata: { name, namespace },
  spec: { virtualRouterId: 51, version: 3, interface: 'eth0', virtualIPs: [{ address: '192.0.2.10' }] },
});

describeWithApiServer('status, Events, finalizers and leases against a real API server', (kubeconfigPath) => {
  const kc = kubeConfigFrom(kubeconfigPath);
  const custom = kc.makeApiClient(CustomObjectsApi);
  let ns = '';

  beforeAll(async () => {
    ns = await freshNamespace(kc, 'writers');
  });

  const read = async (name: string) =>
    (await custom.getNamespacedCustomObject({
      group: 'lvs.io',
      version: 'v1alpha1',
      plural: 'vrrpgroups',
      namespace: ns,
      name,
    })) as {
      metadata: {
        finalizers?: string[];
        resourceVersion: string;
        managedFields?: { manager: string; subresource?: string }[];
      };
      status?: { nodes?: { node: string; state: string }[]; conditions?: { type: string }[] };
    };

  it('applies per-node status with one field manager each, and skips unchanged writes', async () => {
    await apply(kc, group(ns, 'g1'));
    const ref: LvsObjectRef = { kind: 'VrrpGroup', namespace: ns, name: 'g1' };
    const applier = createStatusApplier(kc);
    let calls = 0;
    const counting: StatusApplier = {
      applyStatus: (...args) => {
        calls++;
        return applier.applyStatus(...args);
      },
    };
    const writer = (node: string) =>
      new StatusWriter({ applier: counting, fieldManager: `lvs-operator/${node}`, log: silentLogger() });
    const a = writer('node-a');
    const b = writer('node-b');
    const mine = (node: string, state: string) => ({ nodes: [{ node, state, effectivePriority: 100 }] });

    expect(await a.write(ref, mine('node-a', 'Master'))).toBe('written');
    expect(await b.write(ref, mine('node-b', 'Backup'))).toBe('written');
    expect(await a.write(ref, mine('node-a', 'Master'))).toBe('unchanged');
    expect(calls).toBe(2);
    let obj = await read('g1');
    expect(obj.status?.nodes?.map((n) => `${n.node}=${n.state}`).sort()).toEqual(['node-a=Master', 'node-b=Backup']);
    const managers = (obj.metadata.managedFields ?? []).filter((f) => f.subresource === 'status').map((f) => f.manager);
    expect(managers.sort()).toEqual(['lvs-operator/node-a', 'lvs-operator/node-b']);

    // node-a changes state: node-b's entry stays.
    expect(await a.write(ref, mine('node-a', 'Backup'))).toBe('written');
    obj = await read('g1');
    expect(obj.status?.nodes?.map((n) => `${n.node}=${n.state}`).sort()).toEqual(['node-a=Backup', 'node-b=Backup']);
    // A node that stops writing an item drops it (server-side apply removes fields a manager no longer applies).
    expect(await b.write(ref, { nodes: [] })).toBe('written');
    obj = await read('g1');
    expect(obj.status?.nodes?.map((n) => n.node)).toEqual(['node-a']);
  });

  it('records Events once per transition, not once per pass', async () => {
    await apply(kc, group(ns, 'g2'));
    const recorder = new EventRecorder({
      sink: createEventSink(kc),
      reportingInstance: 'lvs-operator-node-a',
      clock: systemClock,
      log: silentLogger(),
      onRecord: (reason, result) => results.push(`${reason} ${result}`),
    });
    const results: string[] = [];
    const regarding: LvsObjectRef = { kind: 'VrrpGroup', namespace: ns, name: 'g2' };
    for (let i = 0; i < 5; i++) {
      await recorder.record({ regarding, type: 'Normal', reason: 'BecameMaster', note: 'node-a is master' });
    }
    await recorder.record({ regarding, type: 'Warning', reason: 'InvalidSpec', note: 'bad' });
    expect(results).toEqual([
      'BecameMaster sent',
      ...Array.from({ length: 4 }, () => 'BecameMaster deduplicated'),
      'InvalidSpec sent',
    ]);
    const events = await kc.makeApiClient(EventsV1Api).listNamespacedEvent({ namespace: ns });
    const mine = events.items.filter((e) => e.regarding?.name === 'g2');
    expect(mine.map((e) => `${e.type} ${e.reason} ${e.reportingController}`).sort()).toEqual([
      'Normal BecameMaster lvs.io/lvs-operator',
      'Warning InvalidSpec lvs.io/lvs-operator',
    ]);
  });

  it('adds and removes the cleanup finalizer, refusing to act on a stale read', async () => {
    await apply(kc, group(ns, 'g3'));
    const ref: LvsObjectRef = { kind: 'VrrpGroup', namespace: ns, name: 'g3' };
    const before = await read('g3');
    expect(await setFinalizer(kc, ref, before, true)).toBe(true);
    let now = await read('g3');
    expect(now.metadata.finalizers).toEqual([CLEANUP_FINALIZER]);
    // Another finalizer appears; a patch computed from the stale read must not clobber it.
    await setFinalizer(kc, ref, now, true, 'example.com/other');
    expect(await setFinalizer(kc, ref, now, true, 'example.com/third')).toBe(false);
    now = await read('g3');
    expect(now.metadata.finalizers).toEqual([CLEANUP_FINALIZER, 'example.com/other']);

    // Deletion waits for the finalizers.
    await KubernetesObjectApi.makeApiClient(kc).delete(group(ns, 'g3'));
    now = await read('g3');
    expect(now.metadata.finalizers).toHaveLength(2);
    expect(await setFinalizer(kc, ref, now, false, 'example.com/other')).toBe(true);
    now = await read('g3');
    expect(await setFinalizer(kc, ref, now, false)).toBe(true);
    await waitFor('g3 gone', 10_000, () =>
      read('g3').then(
        () => false,
        () => true,
      ),
    );
  });

  it('elects exactly one leader, and hands over at once when the leader stops', async () => {
    const leading = new Set<string>();
    const elector = (identity: string) =>
      new LeaderElector({
        kc,
        namespace: ns,
        name: 'lvs-operator-controller',
        identity,
        clock: systemClock,
        log: silentLogger(),
        leaseDurationMs: 3_000,
        renewDeadlineMs: 2_000,
        retryPeriodMs: 200,
        onStartedLeading: () => leading.add(identity),
        onStoppedLeading: () => leading.delete(identity),
      });
    const one = elector('one');
    const two = elector('two');
    one.start();
    await waitFor('one leads', 10_000, async () => leading.has('one'));
    two.start();
    await new Promise((r) => setTimeout(r, 1_500));
    expect([...leading]).toEqual(['one']);
    const stoppedAt = Date.now();
    await one.stop();
    await waitFor('two leads', 10_000, async () => leading.has('two'));
    // Released, not expired: well under the 3 s lease duration.
    expect(Date.now() - stoppedAt).toBeLessThan(2_500);
    expect([...leading]).toEqual(['two']);
    await two.stop();
  });
});
