import { describe, expect, it } from 'vitest';
import { validateObject, type ManifestObject } from '../../../src/api/index.js';
import { healthSummary, masterChanged, planPass, type CachedState } from '../../../src/controller/plan-pass.js';
import { nodeFieldManager } from '../../../src/kube/index.js';

const ref = { kind: 'VrrpGroup' as const, namespace: 'ns', name: 'vg' };

describe('masterChanged', () => {
  it.each([
    { name: 'a first master', before: undefined, after: 'lb1', note: 'lb1 is MASTER (no master before)' },
    { name: 'a new master', before: 'lb1', after: 'lb2', note: 'lb2 is MASTER (was lb1)' },
    { name: 'the same master', before: 'lb1', after: 'lb1', note: undefined },
    { name: 'no master any more', before: 'lb1', after: undefined, note: undefined },
  ])('$name', ({ before, after, note }) => {
    const e = masterChanged(ref, before, after);
    expect(e && { reason: e.reason, type: e.type, note: e.note }).toEqual(
      note === undefined ? undefined : { reason: 'MasterChanged', type: 'Normal', note },
    );
  });
});

describe('healthSummary', () => {
  it.each([
    { name: 'no director reported', states: [], expected: undefined },
    { name: 'all up', states: ['Up', 'Up'], expected: 'Up 2/2' },
    { name: 'some up', states: ['Up', 'Down', 'Unknown'], expected: 'Degraded 1/3' },
    { name: 'none up', states: ['Down', 'Unknown'], expected: 'Down 0/2' },
  ])('$name', ({ states, expected }) => {
    expect(healthSummary(states.map((state) => ({ state })))).toBe(expected);
  });
});

describe('planPass: node field managers', () => {
  const rs = validateObject({
    apiVersion: 'lvs.io/v1alpha1',
    kind: 'RealServer',
    metadata: { name: 'web1', namespace: 'ns' },
    spec: { address: '10.0.0.1' },
  });
  if (!rs.ok) throw new Error('invalid fixture');
  const objects: ManifestObject[] = [rs.object];
  const cachedWith = (managers: string[], deleting: boolean): CachedState => ({
    metadata: {
      uid: 'u1',
      finalizers: ['lvs.io/cleanup'],
      ...(deleting ? { deletionTimestamp: '2026-11-22T03:00:00Z' } : {}),
      managedFields: managers.map((manager) => ({
        manager,
        subresource: 'status',
        fieldsV1: { 'f:status': { 'f:vips': {} } },
      })),
    },
    status: { health: [{ director: 'lb1', virtualServer: 'web', state: 'Up' }] },
  });
  const plan = (managers: string[], nodes: string[], deleting = false) =>
    planPass({
      snapshot: { objects, rejected: [], secretUnavailable: [], nodes: nodes.map((name) => ({ name, labels: {} })) },
      cached: () => cachedWith(managers, deleting),
      nowIso: '2026-11-22T03:00:00Z',
    });

  it("a deleted node's realserver items are removed under that role's manager", () => {
    const p = plan([nodeFieldManager('web-1', 'realserver'), nodeFieldManager('lb1')], ['lb1']);
    expect(p.staleManagers.map((s) => s.fieldManager)).toEqual(['lvs-operator/web-1/realserver']);
  });

  it("a live node's realserver items hold the finalizer; once withdrawn, it goes", () => {
    expect(plan([nodeFieldManager('web-1', 'realserver')], ['web-1'], true).finalizers).toEqual([]);
    expect(plan([], ['web-1'], true).finalizers.map((f) => f.want)).toEqual([false]);
  });

  it("summarises the directors' health of a RealServer", () => {
    expect(plan([], []).writes[0]?.status['summary']).toBe('Up 1/1');
  });
});

describe('planPass: VIP conflicts reported by directors', () => {
  const g = validateObject({
    apiVersion: 'lvs.io/v1alpha1',
    kind: 'VrrpGroup',
    metadata: { name: 'vg', namespace: 'ns' },
    spec: { virtualRouterId: 51, interface: 'eth0', virtualIPs: [{ address: '192.0.2.5' }] },
  });
  if (!g.ok) throw new Error('invalid fixture');
  const reason = 'VipConflict: 192.0.2.5 already on the node, not added by lvs-operator: left alone';
  const pass = (nodes: string[], conditions: { type: string; status: 'True' | 'False' }[] = []) =>
    planPass({
      snapshot: {
        objects: [g.object],
        rejected: [],
        secretUnavailable: [],
        nodes: nodes.map((name) => ({ name, labels: {} })),
      },
      cached: () => ({
        metadata: { uid: 'u1', finalizers: ['lvs.io/cleanup'] },
        status: {
          nodes: [
            { node: 'lb1', state: 'Backup', effectivePriority: 100, reason },
            { node: 'lb2', state: 'Master', effectivePriority: 150 },
          ],
          conditions: conditions.map((c) => ({ ...c, reason: 'x', message: 'x', lastTransitionTime: 'x' })),
        },
      }),
      nowIso: '2026-11-22T03:00:00Z',
    });

  it('a live node reporting one makes the Conflict condition True, reason VipConflict, with one Warning', () => {
    const p = pass(['lb1', 'lb2'], [{ type: 'Conflict', status: 'False' }]);
    const conflict = (p.writes[0]?.status['conditions'] as { type: string }[]).find((c) => c.type === 'Conflict');
    expect(conflict).toMatchObject({ status: 'True', reason: 'VipConflict', message: `on lb1: ${reason}` });
    expect(p.events.filter((e) => e.type === 'Warning').map((e) => [e.reason, e.note])).toEqual([
      ['VipConflict', `on lb1: ${reason}`],
    ]);
  });

  it('a node that is gone no longer counts', () => {
    const p = pass(['lb2']);
    const conflict = (p.writes[0]?.status['conditions'] as { type: string }[]).find((c) => c.type === 'Conflict');
    expect(conflict).toMatchObject({ status: 'False', reason: 'NoConflict' });
  });
});
