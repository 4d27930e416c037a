import { describe, expect, it } from 'vitest';
import { planPass, type CachedState } from '../../src/controller/index.js';
import { FakeClock } from '../../src/core/fake-clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { FakeListWatch } from '../../src/kube/fake-list-watch.js';
import type { StoredObject } from '../../src/kube/object-store.js';
import { KubeSource, type KubeSnapshot } from '../../src/sources/kube.js';

// KubeSource over fake collections, and the controller's pure pass over its snapshots. The
// same paths against a real API server are in controller.test.ts.

type Raw = StoredObject & Record<string, unknown>;
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

function setup() {
  const fakes = new Map<string, FakeListWatch<Raw>>();
  const source = new KubeSource({
    clock: new FakeClock(),
    log: silentLogger(),
    clients: (_group, _version, plural) => {
      const fake = new FakeListWatch<Raw>(plural);
      fakes.set(plural, fake);
      return fake;
    },
  });
  const put = (plural: string, obj: Raw) => fakes.get(plural)?.put(obj);
  return { source, put, fakes };
}

const meta = (name: string, creationTimestamp: string, extra: Record<string, unknown> = {}) => ({
  name,
  namespace: 'ns',
  creationTimestamp,
  uid: `uid-${name}`,
  generation: 1,
  ...extra,
});
const group = (name: string, created: string, spec: Record<string, unknown> = {}): Raw => ({
  apiVersion: 'lvs.io/v1alpha1',
  kind: 'VrrpGroup',
  metadata: meta(name, created),
  spec: { virtualRouterId: 51, version: 2, interface: 'eth0', virtualIPs: [{ address: '192.0.2.10' }], ...spec },
});

describe('KubeSource', () => {
  it('validates, cross-checks oldest first, and keeps only referenced Secrets', async () => {
    const { source, put } = setup();
    source.start();
    await source.waitForSync();
    let changes = 0;
    source.onChange(() => changes++);
    put('vrrpgroups', group('newer', '2026-01-02T00:00:00Z', { virtualIPs: [{ address: '192.0.2.11' }] }));
    put(
      'vrrpgroups',
      group('older', '2026-01-01T00:00:00Z', {
        authentication: { type: 'PASS', secretRef: { name: 'auth', key: 'password' } },
      }),
    );
    put('vrrpgroups', group('broken', '2026-01-03T00:00:00Z', { virtualRouterId: 999 }));
    put('secrets', {
      metadata: meta('auth', '2026-01-01T00:00:00Z'),
      type: 'lvs.io/vrrp-auth',
      data: { password: 'MTExMQ==' },
    });
    put('secrets', { metadata: meta('unrelated', '2026-01-01T00:00:00Z'), data: { token: 'c2VjcmV0' } });
    put('nodes', { metadata: { name: 'lb-1', labels: { 'lvs.io/director': 'true' } } } as Raw);
    await flush();
    expect(changes).toBe(1);

    const snap = source.snapshot();
    expect(snap.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['VrrpGroup/older', 'Secret/auth']);
    expect(snap.rejected.map((r) => `${r.kind}/${r.name} ${r.cause} ${r.issues[0]?.path.join('.')}`)).toEqual([
      'VrrpGroup/broken invalid spec.virtualRouterId',
      'VrrpGroup/newer conflict spec.virtualRouterId',
    ]);
    expect(snap.nodes).toEqual([{ name: 'lb-1', labels: { 'lvs.io/director': 'true' } }]);
    source.stop();
  });

  it('refuses at run time what a CRD without the address rules let in, with the same words', async () => {
    const { source, put } = setup();
    source.start();
    await source.waitForSync();
    put('vrrpgroups', group('loopback', '2026-01-01T00:00:00Z', { virtualIPs: [{ address: '127.0.0.1' }] }));
    put('vrrpgroups', group('fine', '2026-01-02T00:00:00Z', { virtualRouterId: 52 }));
    await flush();
    const snap = source.snapshot();
    expect(snap.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['VrrpGroup/fine']);
    expect(snap.rejected.map((r) => [r.name, r.cause, r.issues.map((i) => [i.path.join('.'), i.message])])).toEqual([
      [
        'loopback',
        'invalid',
        [
          [
            'spec.virtualIPs.0.address',
            '127.0.0.1 is a loopback address; a VIP must be a unicast address reachable on the interface',
          ],
        ],
      ],
    ]);
    source.stop();
  });

  it('validates an object again only when the informer holds a new version of it', async () => {
    const { source, put } = setup();
    source.start();
    await source.waitForSync();
    put('vrrpgroups', group('a', '2026-01-01T00:00:00Z'));
    put(
      'vrrpgroups',
      group('b', '2026-01-02T00:00:00Z', { virtualRouterId: 52, virtualIPs: [{ address: '192.0.2.11' }] }),
    );
    await flush();
    const first = source.snapshot().objects;
    const second = source.snapshot().objects;
    expect(second[0]).toBe(first[0]);
    expect(second[1]).toBe(first[1]);

    put('vrrpgroups', group('b', '2026-01-02T00:00:00Z', { virtualRouterId: 999 }));
    await flush();
    const third = source.snapshot();
    expect(third.objects).toEqual([first[0]]);
    expect(third.objects[0]).toBe(first[0]);
    expect(third.rejected.map((r) => `${r.name} ${r.issues[0]?.path.join('.')}`)).toEqual(['b spec.virtualRouterId']);
    source.stop();
  });
});

describe('planPass', () => {
  const snapshot = (overrides: Partial<KubeSnapshot>): KubeSnapshot => ({
    objects: [],
    rejected: [],
    secretUnavailable: [],
    nodes: [{ name: 'lb-1', labels: {} }],
    ...overrides,
  });
  const nowIso = '2026-01-01T00:00:00Z';

  it('writes Invalid for a rejected spec, with one Event on the transition only', () => {
    const rejected = [
      {
        kind: 'VrrpGroup' as const,
        namespace: 'ns',
        name: 'bad',
        generation: 3,
        cause: 'invalid' as const,
        issues: [{ path: ['spec', 'virtualRouterId'], message: 'too big', severity: 'error' as const }],
      },
    ];
    const first = planPass({
      snapshot: snapshot({ rejected }),
      cached: () => ({ metadata: { generation: 3 } }),
      nowIso,
    });
    expect(first.writes[0]?.status).toEqual({
      conditions: [
        {
          type: 'Invalid',
          status: 'True',
          reason: 'InvalidSpec',
          message: 'spec.virtualRouterId: too big',
          observedGeneration: 3,
          lastTransitionTime: nowIso,
        },
      ],
    });
    expect(first.events).toEqual([
      {
        ref: { kind: 'VrrpGroup', namespace: 'ns', name: 'bad' },
        type: 'Warning',
        reason: 'InvalidSpec',
        note: 'spec.virtualRouterId: too big',
      },
    ]);
    const cached: CachedState = {
      metadata: { generation: 3, finalizers: ['lvs.io/cleanup'] },
      status: { conditions: first.writes[0]?.status['conditions'] as never },
    };
    const again = planPass({ snapshot: snapshot({ rejected }), cached: () => cached, nowIso: '2026-01-01T00:05:00Z' });
    expect(again.events).toEqual([]);
    expect(again.writes[0]?.status).toEqual(first.writes[0]?.status);
    expect(again.finalizers).toEqual([]);
  });

  it('removes the finalizer of a deleted object only when no live node owns status items', () => {
    const rejected = [
      { kind: 'VrrpGroup' as const, namespace: 'ns', name: 'g', generation: 1, cause: 'invalid' as const, issues: [] },
    ];
    const cached = (managers: Record<string, Record<string, unknown>>): CachedState => ({
      metadata: {
        finalizers: ['lvs.io/cleanup'],
        deletionTimestamp: nowIso,
        managedFields: Object.entries(managers).map(([manager, status]) => ({
          manager,
          subresource: 'status',
          fieldsV1: { 'f:status': status },
        })),
      },
    });
    const plan = (managers: Record<string, Record<string, unknown>>) =>
      planPass({ snapshot: snapshot({ rejected }), cached: () => cached(managers), nowIso });

    expect(plan({ 'lvs-operator/lb-1': { 'f:nodes': {} } }).finalizers).toEqual([]);
    expect(plan({ 'lvs-operator/lb-1': {} }).finalizers.map((f) => f.want)).toEqual([false]);
    const gone = plan({ 'lvs-operator/lb-9': { 'f:nodes': {} }, 'lvs-operator/controller': { 'f:conditions': {} } });
    expect(gone.finalizers.map((f) => f.want)).toEqual([false]);
    expect(gone.staleManagers.map((s) => s.fieldManager)).toEqual(['lvs-operator/lb-9']);
  });
});
