import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi, EventsV1Api } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Controller } from '../../src/controller/index.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { parseStatusDocument } from '../../src/status/index.js';
import { apply, freshNamespace, installCrds, kubeConfigFrom } from './cluster.js';
import { ControlPlane, waitFor } from './control-plane.js';
import { AgentProcess, inNs, NodeNet } from './node-net.js';

interface Obj {
  metadata: {
    name: string;
    finalizers?: string[];
    deletionTimestamp?: string;
    managedFields?: { manager?: string; subresource?: string; fieldsV1?: { 'f:status'?: object } }[];
  };
  status?: {
    vips?: { vip: string; mode: string; configured: boolean; message?: string }[];
    realServerVips?: { node: string; address: string; vip: string; mode: string; configured: boolean }[];
  };
}

const binDir = inject('kubeBinDir');
const isRoot = process.getuid?.() === 0;
const runnable = binDir !== '' && isRoot;
if (!runnable) {
  if (process.env['CI'] === 'true')
    throw new Error('the realserver process test needs root and the API server binaries');
  console.warn('\n*** SKIPPED: lvs-operator realserver process test (needs root and the API server binaries) ***\n');
}

// A control plane of its own: the API server is restarted in the middle.
(runnable ? describe : describe.skip)('lvs-operator realserver (the process, in a network namespace)', () => {
  const plane = new ControlPlane({ kubeApiserver: `${binDir}/bin/kube-apiserver`, etcd: `${binDir}/bin/etcd` });
  const net = new NodeNet('rs');
  const NODE = 'rs1';
  const vip = (i: number) => `${net.vipPrefix}.${i}`;
  let dir = '';
  let ns = '';
  let controller: Controller | undefined;
  let agent: AgentProcess | undefined;
  let kc: ReturnType<typeof kubeConfigFrom>;
  let custom: CustomObjectsApi;
  let originalArpIgnore = '';

  const service = (name: string, vips: number[], port = 80, app = 'web') => ({
    apiVersion: 'lvs.io/v1alpha1',
    kind: 'VirtualServer',
    metadata: { name, namespace: ns },
    spec: {
      addresses: vips.map((i) => ({ ip: vip(i), port })),
      forwarding: 'DR',
      realServerSelector: { matchLabels: { app } },
    },
  });
  const realServer = (name: string, port = 80, app = 'web', mode = 'Loopback') => ({
    apiVersion: 'lvs.io/v1alpha1',
    kind: 'RealServer',
    metadata: { name, namespace: ns, labels: { app } },
    spec: { address: net.nodeAddress, port, node: NODE, acceptVIP: { mode } },
  });
  const get = async (plural: string, name: string): Promise<Obj | undefined> => {
    try {
      return (await custom.getNamespacedCustomObject({
        group: 'lvs.io',
        version: 'v1alpha1',
        plural,
        namespace: ns,
        name,
      })) as Obj;
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw err;
    }
  };
  const del = (plural: string, name: string) =>
    custom.deleteNamespacedCustomObject({ group: 'lvs.io', version: 'v1alpha1', plural, namespace: ns, name });
  /** The VIPs of our test range on lo inside the node, with their labels. */
  const vipsOnLo = async (): Promise<Map<string, string>> => {
    const out = await inNs(net.ns, 'ip', '-4', '-o', 'addr', 'show', 'dev', 'lo');
    const found = new Map<string, string>();
    for (const line of out.split('\n')) {
      const m = /inet (\S+)\/32 .*scope \S+ ([^\s\\]+)/.exec(line);
      if (m?.[1]?.startsWith(`${net.vipPrefix}.`)) found.set(m[1], m[2] ?? '');
    }
    return found;
  };
  const sysctl = async (name: string) => (await inNs(net.ns, 'sysctl', '-n', name)).trim();
  const vipStatus = async (name: string) =>
    ((await get('realservers', name))?.status?.vips ?? []).map((v) => `${v.vip} ${v.mode} ${v.configured}`).sort();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lvs-rs-cli-'));
    await plane.start();
    await installCrds(plane.endpoint.kubeconfigPath);
    kc = kubeConfigFrom(plane.endpoint.kubeconfigPath);
    custom = kc.makeApiClient(CustomObjectsApi);
    ns = await freshNamespace(kc, 'rs-cli');
    await kc.makeApiClient(CoreV1Api).createNode({ body: { metadata: { name: NODE } } });
    const port = Number(new URL(plane.endpoint.server).port);
    const nodeKubeconfig = await net.start(port, plane.endpoint.kubeconfigPath, dir);
    originalArpIgnore = await sysctl('net.ipv4.conf.all.arp_ignore');
    controller = new Controller({
      kc,
      clock: systemClock,
      log: silentLogger(),
      registry: new Registry(),
      identity: 'rs-cli-test',
      leaseNamespace: ns,
      namespace: ns,
      minIntervalMs: 50,
      leaseDurationMs: 3_000,
      renewDeadlineMs: 2_000,
      retryPeriodMs: 200,
    });
    controller.start();
    agent = new AgentProcess(
      net.ns,
      [
        'realserver',
        `--kubeconfig=${nodeKubeconfig}`,
        `--namespace=${ns}`,
        `--state-dir=${join(dir, 'state')}`,
        `--metrics-address=${net.nodeAddress}:0`,
      ],
      // As the chart passes them: the node name from the downward API, no --node.
      { NODE_NAME: NODE, LOG_LEVEL: 'debug' },
    );
  }, 300_000);

  afterAll(async () => {
    agent?.kill('SIGKILL');
    await agent?.exited;
    await controller?.stop();
    await net.stop();
    await plane.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('apply: the VIP on lo with the arp sysctls, RealServer.status.vips under its field manager, ready', async () => {
    await apply(kc, service('web', [1]));
    await apply(kc, realServer('web-1'));
    await waitFor('VIP 1 on lo', 30_000, async () => (await vipsOnLo()).get(vip(1)) === 'lo:lvs');
    expect(await sysctl('net.ipv4.conf.all.arp_ignore')).toBe('1');
    expect(await sysctl('net.ipv4.conf.all.arp_announce')).toBe('2');
    expect(await sysctl('net.ipv4.conf.lo.arp_ignore')).toBe('1');
    await waitFor('status.vips', 15_000, async () => (await vipStatus('web-1')).join() === `${vip(1)} Loopback true`);
    const rs = await get('realservers', 'web-1');
    const managers = (rs?.metadata.managedFields ?? []).filter((f) => f.subresource === 'status').map((f) => f.manager);
    expect(managers).toContain(`lvs-operator/${NODE}/realserver`);
    await waitFor('the cleanup finalizer', 15_000, async () =>
      ((await get('realservers', 'web-1'))?.metadata.finalizers ?? []).includes('lvs.io/cleanup'),
    );
    const url = agent?.metricsUrl;
    expect(url, agent?.stderr).toBeDefined();
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });

  it('update: a second VIP is added and the first is never touched', async () => {
    const monitor = spawn('ip', ['netns', 'exec', net.ns, 'ip', '-o', 'monitor', 'address'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let seen = '';
    monitor.stdout.on('data', (d: Buffer) => (seen += d.toString()));
    try {
      await new Promise((resolve) => setTimeout(resolve, 200)); // the monitor subscribes
      await apply(kc, service('web', [1, 2]));
      await waitFor('VIP 2 on lo', 30_000, async () => (await vipsOnLo()).has(vip(2)));
      await waitFor('two status.vips', 15_000, async () => (await vipStatus('web-1')).length === 2);
    } finally {
      monitor.kill();
    }
    expect(seen).toContain(`${vip(2)}/32`);
    expect(seen).not.toContain(`${vip(1)}/32`);
  });

  it('records a Warning Event with the issue reason for an object it cannot use', async () => {
    // The same VIP for a second service whose real server wants REDIRECT: the later object conflicts.
    await apply(kc, service('api', [1], 443, 'api'));
    await apply(kc, realServer('api-1', 443, 'api', 'IptablesRedirect'));
    const events = kc.makeApiClient(EventsV1Api);
    await waitFor('AcceptModeConflict Event', 30_000, async () =>
      (await events.listNamespacedEvent({ namespace: ns })).items.some(
        (e) =>
          e.reason === 'AcceptModeConflict' &&
          e.type === 'Warning' &&
          e.reportingInstance === `lvs-operator-${NODE}` &&
          e.regarding?.kind === 'RealServer',
      ),
    );
    // The realserver pod's own /status: its VIPs, the conflict as a condition and an Event.
    const status = parseStatusDocument(await (await fetch(`${agent?.metricsUrl ?? ''}/status`)).json());
    expect(status.ok && status.document).toMatchObject({ node: NODE, roles: ['realserver'] });
    const doc = status.ok ? status.document : undefined;
    expect(doc?.director).toBeUndefined();
    expect(doc?.realserver?.vips).toContainEqual(
      expect.objectContaining({ vip: vip(1), mode: 'Loopback', configured: true, virtualServer: `${ns}/web` }),
    );
    expect(doc?.conditions).toContainEqual(
      expect.objectContaining({
        object: { kind: 'RealServer', namespace: ns, name: 'api-1' },
        reason: 'AcceptModeConflict',
      }),
    );
    expect(doc?.events).toContainEqual(expect.objectContaining({ type: 'Warning', reason: 'AcceptModeConflict' }));
    await del('virtualservers', 'api');
    await del('realservers', 'api-1');
    await waitFor('api objects gone', 30_000, async () => !(await get('realservers', 'api-1')));
  });

  it('converges after its watches are killed and after an API server restart, without restarting', async () => {
    const pid = agent?.pid;
    net.dropConnections();
    await apply(kc, service('web', [1, 2, 3]));
    await waitFor('VIP 3 on lo after the killed watches', 60_000, async () => (await vipsOnLo()).has(vip(3)));

    await plane.stopApiServer();
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // the agent's watches fail meanwhile
    await plane.startApiServer();
    await apply(kc, service('web', [1, 3]));
    await waitFor('VIP 2 gone after the restart', 120_000, async () => !(await vipsOnLo()).has(vip(2)));
    await waitFor('status follows', 30_000, async () => (await vipStatus('web-1')).length === 2);
    expect([...(await vipsOnLo()).keys()].sort()).toEqual([vip(1), vip(3)].sort());
    expect(agent?.running, agent?.stderr).toBe(true);
    expect(agent?.pid).toBe(pid);
  });

  it('delete: the node removes the VIPs, then withdraws its status; only then the RealServer goes', async () => {
    await del('realservers', 'web-1');
    await waitFor('RealServer gone', 60_000, async () => !(await get('realservers', 'web-1')));
    // The finalizer held the object until the node had cleaned up.
    expect([...(await vipsOnLo()).keys()]).toEqual([]);
    expect(await sysctl('net.ipv4.conf.all.arp_ignore')).toBe(originalArpIgnore);
    await del('virtualservers', 'web');
    await waitFor('VirtualServer gone', 30_000, async () => !(await get('virtualservers', 'web')));
  });

  it('inline real servers: VirtualServer status.realServerVips, and the deletion waits for the VIP to go', async () => {
    const inline = {
      apiVersion: 'lvs.io/v1alpha1',
      kind: 'VirtualServer',
      metadata: { name: 'inline', namespace: ns },
      spec: {
        addresses: [{ ip: vip(5), port: 80 }],
        forwarding: 'DR',
        realServers: [{ address: net.nodeAddress, port: 80, node: NODE }],
      },
    };
    await apply(kc, inline);
    await waitFor('VIP 5 on lo', 30_000, async () => (await vipsOnLo()).has(vip(5)));
    await waitFor('status.realServerVips', 15_000, async () =>
      ((await get('virtualservers', 'inline'))?.status?.realServerVips ?? []).some((v) => v.configured),
    );
    const vs = await get('virtualservers', 'inline');
    expect(vs?.status?.realServerVips).toEqual([
      { node: NODE, address: net.nodeAddress, vip: vip(5), mode: 'Loopback', configured: true },
    ]);
    const managers = (vs?.metadata.managedFields ?? []).filter((f) => f.subresource === 'status').map((f) => f.manager);
    expect(managers).toContain(`lvs-operator/${NODE}/realserver`);
    await waitFor('the cleanup finalizer', 15_000, async () =>
      ((await get('virtualservers', 'inline'))?.metadata.finalizers ?? []).includes('lvs.io/cleanup'),
    );
    await del('virtualservers', 'inline');
    await waitFor('VirtualServer gone', 60_000, async () => !(await get('virtualservers', 'inline')));
    // The finalizer held the object until the node had removed the VIP.
    expect((await vipsOnLo()).has(vip(5))).toBe(false);
  });

  it('SIGTERM: a graceful stop, exit 0', async () => {
    agent?.kill('SIGTERM');
    expect(await agent?.exited, agent?.stderr).toBe(0);
  });
});
