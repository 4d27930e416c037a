import { Writable } from 'node:stream';
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api, type KubernetesObject } from '@kubernetes/client-node';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { REDACT_PATHS } from '../../src/core/logger.js';
import { createInformerMetrics } from '../../src/kube/metrics.js';
import { KubeSource, kubeClients } from '../../src/sources/kube.js';
import { describeWithApiServer } from './api-server.js';
import { apply, freshNamespace, kubeConfigFrom } from './cluster.js';
import { waitFor } from './control-plane.js';

// A KubeSource whose identity (a ServiceAccount token) may read our kinds and Nodes but not
// Secrets: it still delivers everything else, reports the group that needs a Secret, and picks
// the Secret up by itself once a Role allows it. Only Secrets of type lvs.io/vrrp-auth ever
// reach it; an Opaque one in the same namespace never does.

const MARKER = 'Kq9-secret-marker';

describeWithApiServer('KubeSource with an identity that may not read Secrets', (kubeconfigPath) => {
  const admin = kubeConfigFrom(kubeconfigPath);
  const core = admin.makeApiClient(CoreV1Api);
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  let ns = '';
  let source: KubeSource | undefined;
  const logLines: string[] = [];
  const clusterRole = `lvs-no-secrets-${process.pid}`;

  beforeAll(async () => {
    ns = await freshNamespace(admin, 'no-secrets');
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'director' } } });
    await rbac.createClusterRole({
      body: {
        metadata: { name: clusterRole },
        rules: [
          {
            apiGroups: ['lvs.io'],
            resources: ['vrrpgroups', 'virtualservers', 'realservers'],
            verbs: ['list', 'watch'],
          },
          { apiGroups: [''], resources: ['nodes'], verbs: ['list', 'watch'] },
        ],
      },
    });
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name: clusterRole },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole },
        subjects: [{ kind: 'ServiceAccount', name: 'director', namespace: ns }],
      },
    });
  });
  afterAll(async () => {
    source?.stop();
    await rbac.deleteClusterRoleBinding({ name: clusterRole }).catch(() => undefined);
    await rbac.deleteClusterRole({ name: clusterRole }).catch(() => undefined);
    await core.deleteNamespace({ name: ns }).catch(() => undefined);
  });

  it('delivers the rest, reports the group, and recovers when a Role allows Secrets', async () => {
    const secret = (name: string, type: string): KubernetesObject & Record<string, unknown> => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: ns },
      type,
      stringData: { password: MARKER },
    });
    await apply(admin, secret('vrrp', 'lvs.io/vrrp-auth'));
    await apply(admin, secret('other-team', 'Opaque'));
    const group = (name: string, vrid: number, secretName?: string) => ({
      apiVersion: 'lvs.io/v1alpha1',
      kind: 'VrrpGroup',
      metadata: { name, namespace: ns },
      spec: {
        virtualRouterId: vrid,
        version: 2,
        interface: 'eth0',
        virtualIPs: [{ address: `192.0.2.${vrid}` }],
        ...(secretName ? { authentication: { type: 'PASS', secretRef: { name: secretName, key: 'password' } } } : {}),
      },
    });
    await apply(admin, group('auth', 61, 'vrrp'));
    await apply(admin, group('stolen', 62, 'other-team'));
    await apply(admin, group('plain', 63));
    await apply(admin, {
      apiVersion: 'lvs.io/v1alpha1',
      kind: 'VirtualServer',
      metadata: { name: 'web', namespace: ns },
      spec: { addresses: [{ ip: '192.0.2.80', port: 80 }], scheduler: 'rr', realServers: [{ address: '10.0.0.1' }] },
    } as KubernetesObject);

    const { status } = await core.createNamespacedServiceAccountToken({
      name: 'director',
      namespace: ns,
      body: { spec: { audiences: [], expirationSeconds: 3600 } },
    });
    const cluster = admin.getCurrentCluster();
    const sa = new KubeConfig();
    sa.loadFromOptions({
      clusters: [{ name: 'c', server: cluster?.server ?? '', skipTLSVerify: true }],
      users: [{ name: 'sa', token: status?.token ?? '' }],
      contexts: [{ name: 'c', cluster: 'c', user: 'sa' }],
      currentContext: 'c',
    });
    const log = pino(
      { level: 'debug', redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
      new Writable({
        write(chunk: Buffer, _enc, done) {
          logLines.push(chunk.toString());
          done();
        },
      }),
    );
    const registry = new Registry();
    source = new KubeSource({
      clock: systemClock,
      log,
      clients: kubeClients(sa),
      namespace: ns,
      metrics: createInformerMetrics(registry),
    });
    source.start();
    const synced = await Promise.race([
      source.waitForSync().then(() => 'synced'),
      new Promise((resolve) => setTimeout(() => resolve('blocked'), 15_000)),
    ]);
    expect(synced).toBe('synced');
    const names = () => {
      const s = source?.snapshot();
      return {
        objects: (s?.objects ?? []).map((o) => `${o.kind}/${o.metadata.name}`).sort(),
        unavailable: (s?.secretUnavailable ?? []).map((u) => `${u.group.metadata.name}: ${u.message}`).sort(),
      };
    };
    expect(names().objects).toEqual(['VirtualServer/web', 'VrrpGroup/plain']);
    expect(names().unavailable).toEqual([
      expect.stringMatching(
        /^auth: Secrets of type lvs\.io\/vrrp-auth cannot be listed: .*\(403 Forbidden\); retrying$/,
      ),
      expect.stringMatching(
        /^stolen: Secrets of type lvs\.io\/vrrp-auth cannot be listed: .*\(403 Forbidden\); retrying$/,
      ),
    ]);
    expect(logLines.join('')).toContain('Secrets cannot be listed');
    expect(await registry.getSingleMetricAsString('lvs_kube_informer_list_errors_total')).toMatch(
      /lvs_kube_informer_list_errors_total\{resource="secrets",status="403"\} [1-9]/,
    );

    // A Role in the namespace: the background retry lists the Secrets of our type only.
    await rbac.createNamespacedRole({
      namespace: ns,
      body: {
        metadata: { name: 'secrets' },
        rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['list', 'watch'] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: ns,
      body: {
        metadata: { name: 'secrets' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'secrets' },
        subjects: [{ kind: 'ServiceAccount', name: 'director', namespace: ns }],
      },
    });
    await waitFor('the Secret listed', 45_000, async () => names().unavailable.length === 0);
    // "stolen" references an Opaque Secret: it never reached the process, so it is not there.
    expect(names().objects).toEqual([
      'Secret/vrrp',
      'VirtualServer/web',
      'VrrpGroup/auth',
      'VrrpGroup/plain',
      'VrrpGroup/stolen',
    ]);
    // The field selector kept the Opaque Secret on the server: one Secret in the cache.
    expect(await registry.getSingleMetricAsString('lvs_kube_informer_objects')).toContain(
      'lvs_kube_informer_objects{resource="secrets"} 1',
    );
    expect(logLines.join('')).not.toContain(MARKER);
  }, 90_000);
});
