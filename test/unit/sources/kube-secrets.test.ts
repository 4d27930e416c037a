import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/fake-clock.js';
import { silentLogger } from '../../../src/core/logger.js';
import { KubeApiError } from '../../../src/kube/errors.js';
import { FakeListWatch } from '../../../src/kube/fake-list-watch.js';
import type { StoredObject } from '../../../src/kube/object-store.js';
import type { SecretReading } from '../../../src/sources/kube-secrets.js';
import { KubeSource, type KubeSnapshot } from '../../../src/sources/kube.js';

// Which Secrets a KubeSource reads, and what happens when it may not read them: the other
// collections are never held up, and the groups that need a Secret are reported.

type Raw = StoredObject & Record<string, unknown>;
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
const FORBIDDEN = new KubeApiError('list secrets', 403, 'Forbidden');

function setup(opts: { secrets?: SecretReading; secretNamespaces?: string[]; failSecrets?: unknown[] } = {}) {
  const clients: string[] = [];
  const fakes = new Map<string, FakeListWatch<Raw>>();
  const clock = new FakeClock();
  const source = new KubeSource({
    clock,
    log: silentLogger(),
    ...(opts.secrets ? { secrets: opts.secrets } : {}),
    ...(opts.secretNamespaces ? { secretNamespaces: opts.secretNamespaces } : {}),
    clients: (_group, _version, plural, namespace, fieldSelector) => {
      clients.push(`${plural} ${namespace ?? '*'} ${fieldSelector ?? ''}`.trim());
      const fake = new FakeListWatch<Raw>(plural);
      if (plural === 'secrets') fake.failList = [...(opts.failSecrets ?? [])];
      fakes.set(namespace ? `${plural}/${namespace}` : plural, fake);
      return fake;
    },
  });
  const put = (key: string, obj: Raw) => fakes.get(key)?.put(obj);
  return { source, put, fakes, clients, clock };
}

const meta = (name: string, namespace = 'ns') => ({
  name,
  namespace,
  creationTimestamp: '2026-01-01T00:00:00Z',
  uid: `uid-${namespace}-${name}`,
  generation: 1,
});
const group = (name: string, vrid: number, namespace = 'ns', auth = true): Raw => ({
  apiVersion: 'lvs.io/v1alpha1',
  kind: 'VrrpGroup',
  metadata: meta(name, namespace),
  spec: {
    virtualRouterId: vrid,
    version: 2,
    interface: 'eth0',
    virtualIPs: [{ address: `192.0.2.${vrid}` }],
    ...(auth ? { authentication: { type: 'PASS', secretRef: { name: 'vrrp', key: 'password' } } } : {}),
  },
});
const service: Raw = {
  apiVersion: 'lvs.io/v1alpha1',
  kind: 'VirtualServer',
  metadata: meta('web'),
  spec: { addresses: [{ ip: '192.0.2.80', port: 80 }], scheduler: 'rr', realServers: [{ address: '10.0.0.1' }] },
};
const secret = (type: string, namespace = 'ns'): Raw => ({
  metadata: meta('vrrp', namespace),
  type,
  data: { password: 'cGFzcw==' },
});

/** waitForSync, or "blocked" when it has not resolved after the fake clock ran a while. */
async function syncOutcome(source: KubeSource, clock: FakeClock): Promise<'synced' | 'blocked'> {
  let synced = false;
  void source.waitForSync().then(() => (synced = true));
  for (let i = 0; i < 20 && !synced; i++) {
    await flush();
    clock.advance(1_000);
  }
  return synced ? 'synced' : 'blocked';
}

const summary = (s: KubeSnapshot) => ({
  objects: s.objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`),
  unavailable: s.secretUnavailable.map((u) => `${u.group.metadata.name}: ${u.message}`),
});

describe('KubeSource Secrets', () => {
  it('lists only Secrets of type lvs.io/vrrp-auth, by field selector, and never uses another type', async () => {
    const { source, put, clients, clock } = setup();
    put('vrrpgroups', group('auth', 51));
    put('secrets', secret('Opaque'));
    source.start();
    expect(await syncOutcome(source, clock)).toBe('synced');
    expect(clients.filter((c) => c.startsWith('secrets'))).toEqual(['secrets * type=lvs.io/vrrp-auth']);
    // The fake ignores the selector: the Opaque Secret still must not be used.
    expect(summary(source.snapshot()).objects).toEqual(['VrrpGroup/ns/auth']);
    put('secrets', secret('lvs.io/vrrp-auth'));
    await flush();
    expect(summary(source.snapshot()).objects).toEqual(['VrrpGroup/ns/auth', 'Secret/ns/vrrp']);
    source.stop();
  });

  it('a forbidden Secret list blocks nothing: the rest is delivered, the group is reported, then recovers', async () => {
    const { source, put, clock } = setup({ failSecrets: [FORBIDDEN, FORBIDDEN] });
    put('vrrpgroups', group('auth', 51));
    put('vrrpgroups', group('plain', 52, 'ns', false));
    put('virtualservers', service);
    put('secrets', secret('lvs.io/vrrp-auth'));
    let changes = 0;
    source.onChange(() => changes++);
    source.start();
    expect(await syncOutcome(source, clock)).toBe('synced');
    expect(source.hasSynced).toBe(true);
    const before = summary(source.snapshot());
    expect(before.objects).toEqual(['VirtualServer/ns/web', 'VrrpGroup/ns/plain']);
    expect(before.unavailable).toEqual([
      'auth: Secrets of type lvs.io/vrrp-auth cannot be listed: kubernetes list secrets failed (403 Forbidden); retrying',
    ]);
    // The background retries succeed once RBAC allows it: the group comes back by itself.
    changes = 0;
    for (let i = 0; i < 120 && source.snapshot().secretUnavailable.length > 0; i++) {
      clock.advance(1_000);
      await flush();
    }
    expect(summary(source.snapshot())).toEqual({
      objects: ['VirtualServer/ns/web', 'VrrpGroup/ns/auth', 'VrrpGroup/ns/plain', 'Secret/ns/vrrp'],
      unavailable: [],
    });
    expect(changes).toBeGreaterThan(0);
    source.stop();
  });

  it('readSecrets=false: no Secret client at all, groups that need one are reported', async () => {
    const { source, put, clients, clock } = setup({ secrets: 'off' });
    put('vrrpgroups', group('auth', 51));
    // A service of that group stays valid (its group exists), and is delivered.
    put('virtualservers', {
      ...service,
      spec: {
        ...(service['spec'] as object),
        addresses: [{ ip: '192.0.2.51', port: 80 }],
        vrrpGroupRef: { name: 'auth' },
      },
    });
    source.start();
    expect(await syncOutcome(source, clock)).toBe('synced');
    expect(clients.some((c) => c.startsWith('secrets'))).toBe(false);
    expect(source.snapshot().rejected).toEqual([]);
    expect(summary(source.snapshot())).toEqual({
      objects: ['VirtualServer/ns/web'],
      unavailable: ['auth: Secrets are not read (--read-secrets=false; chart value rbac.readSecrets=false)'],
    });
    source.stop();
  });

  it('roles that never use a Secret read none and report nothing', async () => {
    const { source, put, clients, clock } = setup({ secrets: 'none' });
    put('vrrpgroups', group('auth', 51));
    source.start();
    expect(await syncOutcome(source, clock)).toBe('synced');
    expect(clients.some((c) => c.startsWith('secrets'))).toBe(false);
    expect(summary(source.snapshot())).toEqual({ objects: ['VrrpGroup/ns/auth'], unavailable: [] });
    source.stop();
  });

  it('secretNamespaces: one informer per namespace; groups elsewhere are reported', async () => {
    const { source, put, clients, clock } = setup({ secretNamespaces: ['lb'] });
    put('vrrpgroups', group('inside', 51, 'lb'));
    put('vrrpgroups', group('outside', 52, 'apps'));
    put('secrets/lb', secret('lvs.io/vrrp-auth', 'lb'));
    source.start();
    expect(await syncOutcome(source, clock)).toBe('synced');
    expect(clients.filter((c) => c.startsWith('secrets'))).toEqual(['secrets lb type=lvs.io/vrrp-auth']);
    expect(summary(source.snapshot())).toEqual({
      objects: ['VrrpGroup/lb/inside', 'Secret/lb/vrrp'],
      unavailable: ['outside: Secrets of namespace apps are not read (not in --secret-namespaces)'],
    });
    source.stop();
  });
});
