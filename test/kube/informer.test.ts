import { CoreV1Api, KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { createListWatchClient } from '../../src/kube/client-list-watch.js';
import { createInformerMetrics } from '../../src/kube/metrics.js';
import { ResilientInformer } from '../../src/kube/resilient-informer.js';
import { ControlPlane, waitFor } from './control-plane.js';
import { kubeConfigFrom } from './cluster.js';
import { TcpProxy } from './tcp-proxy.js';

// A control plane of its own (the API server is restarted here), with the informer reaching it
// through a TCP proxy that can reset or freeze connections. Writes go straight to the server.

const binDir = inject('kubeBinDir');
const maybe = binDir ? describe : describe.skip;
if (!binDir) console.warn('\n*** SKIPPED (no API server binaries): informer against a real API server ***\n');

const NS = 'informer';

maybe('ResilientInformer against a real API server', () => {
  const plane = new ControlPlane({ kubeApiserver: `${binDir}/bin/kube-apiserver`, etcd: `${binDir}/bin/etcd` });
  let proxy: TcpProxy;
  let core: CoreV1Api;
  let informer: ResilientInformer<V1ConfigMap>;
  const registry = new Registry();

  beforeAll(async () => {
    await plane.start();
    const direct = kubeConfigFrom(plane.endpoint.kubeconfigPath);
    core = direct.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
    proxy = new TcpProxy(Number(new URL(plane.endpoint.server).port));
    await proxy.start();
    const viaProxy = new KubeConfig();
    viaProxy.loadFromOptions({
      clusters: [{ name: 'p', server: `https://127.0.0.1:${proxy.port}`, skipTLSVerify: true }],
      users: [{ name: 'u', token: plane.endpoint.token }],
      contexts: [{ name: 'c', cluster: 'p', user: 'u' }],
      currentContext: 'c',
    });
    informer = new ResilientInformer<V1ConfigMap>({
      client: createListWatchClient<V1ConfigMap>(viaProxy, {
        group: '',
        version: 'v1',
        plural: 'configmaps',
        namespace: NS,
      }),
      clock: systemClock,
      log: silentLogger(),
      metrics: createInformerMetrics(registry),
      watchdogMs: 2_000,
      listTimeoutMs: 5_000,
      backoff: { initialMs: 100, maxMs: 1_000 },
    });
    informer.start();
    await informer.waitForSync();
  });

  afterAll(async () => {
    informer?.stop();
    await proxy?.close();
    await plane.stop();
  });

  const put = async (name: string, value: string) => {
    const body = { metadata: { name, namespace: NS }, data: { value } };
    try {
      await core.replaceNamespacedConfigMap({ name, namespace: NS, body });
    } catch {
      await core.createNamespacedConfigMap({ namespace: NS, body });
    }
  };
  const serverState = async () =>
    (await core.listNamespacedConfigMap({ namespace: NS })).items
      .filter((c) => c.metadata?.name !== 'kube-root-ca.crt')
      .map((c) => `${c.metadata?.name}=${c.data?.['value']}`)
      .sort();
  const cacheState = () =>
    informer
      .list()
      .filter((c) => c.metadata?.name !== 'kube-root-ca.crt')
      .map((c) => `${c.metadata?.name}=${c.data?.['value']}`)
      .sort();
  const converged = async (timeoutMs: number) => {
    const want = await serverState();
    await waitFor(`cache = ${want.join(',')}`, timeoutMs, async () => cacheState().join() === want.join());
  };

  it('follows writes', async () => {
    await put('a', '1');
    await put('b', '1');
    await converged(5_000);
  });

  it('converges after its connections are reset', async () => {
    proxy.dropAll();
    await put('a', '2');
    await core.deleteNamespacedConfigMap({ name: 'b', namespace: NS });
    await converged(10_000);
  });

  it('converges after missing writes while it could not connect', async () => {
    proxy.refuse(true);
    proxy.dropAll();
    await put('c', '1');
    await put('a', '3');
    await new Promise((r) => setTimeout(r, 1_500));
    expect(cacheState()).not.toContain('c=1');
    proxy.refuse(false);
    await converged(10_000);
  });

  it('detects a silent stall with its watchdog, long before the client library would', async () => {
    proxy.stallExisting();
    const started = Date.now();
    await put('d', '1');
    await put('a', '4');
    // client-node's own inactivity timeout is 30 s; the watchdog is set to 2 s.
    await converged(15_000);
    expect(Date.now() - started).toBeLessThan(15_000);
    const ends = await registry.getSingleMetricAsString('lvs_kube_informer_watch_ends_total');
    expect(ends).toMatch(/reason="watchdog"\} [1-9]/);
  });

  it('converges after the API server restarts, keeping its cache meanwhile', async () => {
    const before = cacheState();
    await plane.stopApiServer();
    await new Promise((r) => setTimeout(r, 1_000));
    expect(cacheState()).toEqual(before);
    await plane.startApiServer();
    await put('e', '1');
    await core.deleteNamespacedConfigMap({ name: 'c', namespace: NS });
    await converged(30_000);
  });
});
