/**
 * Runs inside the kernel harness (hack/uml/run.sh), where IPVS exists: etcd and kube-apiserver
 * on the guest's loopback, the controller in this process, and `lvs-operator director` as a
 * process in a network namespace acting as node lb1, reaching the API server through a veth
 * and a proxy. Each step's outcome goes to <out>/steps.json as it happens, for the host test
 * (test/kube/director-uml.test.ts) to judge; the first failing step ends the run.
 *
 * Usage: tsx test/kube/guest/director-node.ts <out dir>   (LVS_KUBE_BIN: the binaries' dir)
 */
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { Controller } from '../../../src/controller/index.js';
import { createStatusApplier, nodeFieldManager, StatusWriter } from '../../../src/kube/index.js';
import { systemClock } from '../../../src/core/clock.js';
import { silentLogger } from '../../../src/core/logger.js';
import { parseStatusDocument } from '../../../src/status/index.js';
import { apply, freshNamespace, installCrds, kubeConfigFrom } from '../cluster.js';
import { ControlPlane, waitFor } from '../control-plane.js';
import { AgentProcess, inNs, NodeNet } from '../node-net.js';

interface Step {
  name: string;
  ok: boolean;
  elapsedMs: number;
  error?: string;
}

interface Obj {
  metadata: { name: string; finalizers?: string[] };
  status?: {
    nodes?: { node: string; state: string; effectivePriority: number; lastTransitionTime?: string }[];
    realServers?: {
      address: string;
      port: number;
      director: string;
      health: string;
      weight: number;
      reason?: string;
    }[];
    conditions?: { type: string; status: string; reason: string; message: string }[];
  };
}

const out = process.argv[2] ?? '.';
const bin = process.env['LVS_KUBE_BIN'] ?? '';
const steps: Step[] = [];
const NODE = 'lb1';

async function step(name: string, fn: () => Promise<void>): Promise<void> {
  const started = performance.now();
  try {
    await fn();
    steps.push({ name, ok: true, elapsedMs: Math.round(performance.now() - started) });
  } catch (err) {
    steps.push({ name, ok: false, elapsedMs: Math.round(performance.now() - started), error: String(err) });
    throw err;
  } finally {
    await writeFile(join(out, 'steps.json'), JSON.stringify(steps, null, 2));
  }
}

function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(what);
}

async function main(): Promise<void> {
  const plane = new ControlPlane({ kubeApiserver: `${bin}/bin/kube-apiserver`, etcd: `${bin}/bin/etcd` });
  const net = new NodeNet('dir');
  const dir = await mkdtemp(join(tmpdir(), 'lvs-dir-node-'));
  let controller: Controller | undefined;
  let agent: AgentProcess | undefined;
  try {
    await run(
      plane,
      net,
      dir,
      (c) => (controller = c),
      (a) => (agent = a),
    );
  } finally {
    await writeFile(join(out, 'agent.log'), agent?.stderr ?? '');
    agent?.kill('SIGKILL');
    await agent?.exited;
    await controller?.stop();
    await net.stop();
    await plane.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function run(
  plane: ControlPlane,
  net: NodeNet,
  dir: string,
  setController: (c: Controller) => void,
  setAgent: (a: AgentProcess) => void,
): Promise<void> {
  const vip = `${net.vipPrefix}.10`;
  const backend = (i: number) => `${net.vipPrefix}.${20 + i}`;
  let ns = '';
  let kc = new KubeConfig();
  let agent: AgentProcess | undefined;

  const group = () => ({
    apiVersion: 'lvs.io/v1alpha1',
    kind: 'VrrpGroup',
    metadata: { name: 'vg', namespace: ns },
    spec: {
      virtualRouterId: 51,
      version: 3,
      interface: 'eth0',
      advertInterval: '1s',
      nodeSelector: { matchLabels: { 'lvs.io/director': 'true' } },
      virtualIPs: [{ address: `${vip}/32` }],
    },
  });
  const service = (backends: number[], healthChecks: unknown[] = []) => ({
    apiVersion: 'lvs.io/v1alpha1',
    kind: 'VirtualServer',
    metadata: { name: 'web', namespace: ns },
    spec: {
      addresses: [{ ip: vip, port: 80 }],
      scheduler: 'rr',
      forwarding: 'DR',
      vrrpGroupRef: { name: 'vg' },
      programOn: 'Master',
      healthChecks,
      realServers: backends.map((i) => ({ address: backend(i), port: 80, weight: 1 })),
    },
  });
  const custom = () => kc.makeApiClient(CustomObjectsApi);
  const get = async (plural: string, name: string): Promise<Obj | undefined> => {
    try {
      return (await custom().getNamespacedCustomObject({
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
  const ipvs = async () => inNs(net.ns, 'ipvsadm', '-Ln');
  const destinations = async () => [...(await ipvs()).matchAll(/->\s+(\d+\.\d+\.\d+\.\d+):80\s/g)].map((m) => m[1]);
  const vipOnEth0 = async () =>
    (await inNs(net.ns, 'ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0')).includes(`${vip}/32`);
  const groupItem = async () => (await get('vrrpgroups', 'vg'))?.status?.nodes?.find((n) => n.node === NODE);
  const events = async (reason: string) =>
    (await kc.makeApiClient(EventsV1Api).listNamespacedEvent({ namespace: ns })).items.filter(
      (e) => e.reason === reason && e.reportingInstance === `lvs-operator-${NODE}`,
    );
  const setLabel = async (on: boolean) =>
    kc
      .makeApiClient(CoreV1Api)
      .patchNode(
        { name: NODE, body: { metadata: { labels: { 'lvs.io/director': on ? 'true' : null } } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
  const ops = async (): Promise<Map<string, number>> => {
    const url = agent?.metricsUrl ?? '';
    const text = await (await fetch(`${url}/metrics`)).text();
    return new Map(
      [...text.matchAll(/^lvs_ipvs_operations_total\{([^}]*)\} (\d+)/gm)].map((m) => [m[1] ?? '', Number(m[2])]),
    );
  };

  await step('control plane inside the kernel harness', async () => {
    await plane.start();
    await installCrds(plane.endpoint.kubeconfigPath);
    kc = kubeConfigFrom(plane.endpoint.kubeconfigPath);
    ns = await freshNamespace(kc, 'dir-node');
    await kc.makeApiClient(CoreV1Api).createNode({
      body: { metadata: { name: NODE, labels: { 'lvs.io/director': 'true' } } },
    });
    const nodeKubeconfig = await net.start(
      Number(new URL(plane.endpoint.server).port),
      plane.endpoint.kubeconfigPath,
      dir,
    );
    const controller = new Controller({
      kc,
      clock: systemClock,
      log: silentLogger(),
      registry: new Registry(),
      identity: 'dir-node-test',
      leaseNamespace: ns,
      namespace: ns,
      minIntervalMs: 50,
      leaseDurationMs: 3_000,
      renewDeadlineMs: 2_000,
      retryPeriodMs: 200,
    });
    setController(controller);
    controller.start();
    agent = new AgentProcess(
      net.ns,
      [
        'director',
        `--kubeconfig=${nodeKubeconfig}`,
        `--namespace=${ns}`,
        `--state-dir=${join(dir, 'state')}`,
        `--metrics-address=${net.nodeAddress}:0`,
        // The admin allows one program; /bin/touch (the same file through Debian's /bin
        // symlink) is a near miss the tenant's objects try below.
        '--allow-command=/usr/bin/touch',
      ],
      { NODE_NAME: NODE, LOG_LEVEL: 'debug' },
    );
    setAgent(agent);
  });

  await step('apply: MASTER with the VIP, the IPVS service, status items and VipAcquired', async () => {
    await apply(kc, group());
    await apply(kc, service([1, 2]));
    await waitFor('the IPVS service with two destinations', 120_000, async () => (await destinations()).length === 2);
    const table = await ipvs();
    check(table.includes(`TCP  ${vip}:80 rr`), table);
    check(await vipOnEth0(), 'VIP on eth0');
    await waitFor('status.nodes Master', 30_000, async () => (await groupItem())?.state === 'Master');
    const item = await groupItem();
    check(item?.effectivePriority === 100 && item.lastTransitionTime !== undefined, JSON.stringify(item));
    await waitFor('VipAcquired', 30_000, async () => (await events('VipAcquired')).length === 1);
    await waitFor('finalizers', 30_000, async () =>
      ((await get('virtualservers', 'web'))?.metadata.finalizers ?? []).includes('lvs.io/cleanup'),
    );
    const ready = await fetch(`${agent?.metricsUrl ?? ''}/readyz`);
    check(ready.status === 200, `readyz ${ready.status}`);
  });

  await step('update: one destination added, nothing else touched', async () => {
    const before = await ops();
    await apply(kc, service([1, 2, 3]));
    await waitFor('three destinations', 60_000, async () => (await destinations()).length === 3);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const after = await ops();
    const delta = [...after]
      .filter(([op, n]) => n !== (before.get(op) ?? 0))
      .map(([op, n]) => `${op}+${n - (before.get(op) ?? 0)}`);
    check(
      delta.length === 1 && /op="addDestination",result="ok"/.test(delta[0] ?? '') && delta[0]?.endsWith('+1') === true,
      `operations: ${delta.join()}`,
    );
  });

  await step('commands: refused ones are not run, reported on their object; the rest keeps working', async () => {
    const marker = (name: string) => join(dir, `ran-${name}`);
    const ran = async (name: string) =>
      access(marker(name)).then(
        () => true,
        () => false,
      );
    const vip2 = `${net.vipPrefix}.11`;
    const group2 = {
      apiVersion: 'lvs.io/v1alpha1',
      kind: 'VrrpGroup',
      metadata: { name: 'vg-hooks', namespace: ns },
      spec: {
        virtualRouterId: 52,
        version: 3,
        interface: 'eth0',
        advertInterval: '1s',
        nodeSelector: { matchLabels: { 'lvs.io/director': 'true' } },
        virtualIPs: [{ address: `${vip2}/32` }],
        notify: { master: ['/bin/touch', marker('notify-master')] },
        trackScripts: [{ name: 'track', command: ['/bin/touch', marker('track')], interval: '1s' }],
      },
    };
    await apply(kc, group2);
    await apply(
      kc,
      service(
        [1, 2, 3],
        [
          { type: 'MISC', interval: '1s', misc: { command: ['/bin/touch', marker('misc-refused')] } },
          { type: 'MISC', interval: '1s', misc: { command: ['/usr/bin/touch', marker('misc-allowed')] } },
        ],
      ),
    );
    const condition = async (plural: string, name: string) =>
      (await get(plural, name))?.status?.conditions?.find((c) => c.type === 'CommandsRefused');
    await waitFor('CommandsRefused on the VirtualServer', 60_000, async () => {
      const c = await condition('virtualservers', 'web');
      return (
        c?.status === 'True' &&
        c.reason === 'CommandRefused' &&
        c.message.startsWith('spec.healthChecks.0.misc.command: program "/bin/touch" is not allowed on this director')
      );
    });
    await waitFor('CommandsRefused on the VrrpGroup', 60_000, async () => {
      const c = await condition('vrrpgroups', 'vg-hooks');
      return (
        c?.reason === 'CommandRefused' &&
        c.message.includes('spec.trackScripts.0.command: program "/bin/touch"') &&
        c.message.includes('spec.notify.master: program "/bin/touch"')
      );
    });
    await waitFor('CommandRefused Events on both', 30_000, async () => {
      const kinds = (await events('CommandRefused')).map((e) => e.regarding?.kind).sort();
      return kinds.join() === 'VirtualServer,VrrpGroup';
    });
    // The group elects and holds its VIP; the allowed check runs and keeps every server in.
    await waitFor('the hooks group MASTER', 60_000, async () =>
      (await inNs(net.ns, 'ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0')).includes(`${vip2}/32`),
    );
    await waitFor('the allowed MISC check ran', 30_000, () => ran('misc-allowed'));
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    check((await destinations()).length === 3, `destinations ${(await destinations()).join()}`);
    for (const name of ['misc-refused', 'notify-master', 'track']) check(!(await ran(name)), `${name} was run`);
    const metrics = await (await fetch(`${agent?.metricsUrl ?? ''}/metrics`)).text();
    check(/lvs_commands_refused_total\{kind="misc-check"\} 1/.test(metrics), 'misc-check refusals counted');
    // Without the commands the condition goes.
    await apply(kc, service([1, 2, 3]));
    await waitFor('condition withdrawn', 60_000, async () => (await condition('virtualservers', 'web')) === undefined);
    await custom().deleteNamespacedCustomObject({
      group: 'lvs.io',
      version: 'v1alpha1',
      plural: 'vrrpgroups',
      namespace: ns,
      name: 'vg-hooks',
    });
    await waitFor('the hooks group gone', 60_000, async () => !(await get('vrrpgroups', 'vg-hooks')));
  });

  await step('health: an unreachable real server goes Down, in status and as RealServerDown', async () => {
    await apply(kc, service([1, 2, 3], [{ type: 'TCP', interval: '1s', timeout: '1s' }]));
    await waitFor('status.realServers Down', 60_000, async () => {
      const rs = (await get('virtualservers', 'web'))?.status?.realServers ?? [];
      return rs.length === 3 && rs.every((r) => r.director === NODE && r.health === 'Down' && r.weight === 0);
    });
    await waitFor('RealServerDown', 30_000, async () => (await events('RealServerDown')).length >= 1);
    // The node's /status says the same, with the Events it recorded in the API.
    const status = parseStatusDocument(await (await fetch(`${agent?.metricsUrl ?? ''}/status`)).json());
    check(status.ok, status.ok ? '' : status.problem);
    const doc = status.ok ? status.document : undefined;
    check(doc?.node === NODE && doc.roles.join() === 'director', `node ${doc?.node} roles ${doc?.roles.join()}`);
    const vrrp = doc?.director?.vrrp.find((v) => v.group === `${ns}/vg`);
    check(vrrp?.state === 'MASTER' && vrrp.virtualIPs.includes(`${vip}/32`), JSON.stringify(vrrp));
    check(
      doc?.director?.ipvs.some((x) => x.address === vip && x.virtualServer === `${ns}/web`) === true,
      JSON.stringify(doc?.director?.ipvs),
    );
    const web = doc?.director?.virtualServers.find((v) => v.virtualServer === `${ns}/web`);
    check(
      web?.realServers.length === 3 &&
        web.realServers.every((r) => r.health === 'Down' && r.weight === 0 && r.reason !== undefined),
      JSON.stringify(web),
    );
    const reasons = new Set(doc?.events.map((e) => e.reason));
    check(reasons.has('VipAcquired') && reasons.has('RealServerDown'), `events: ${[...reasons].join()}`);
    await apply(kc, service([1, 2, 3]));
    await waitFor('three destinations again', 60_000, async () => (await destinations()).length === 3);
  });

  await step('VIP acceptance: a server whose node cannot accept the VIP goes out, VipNotAccepted', async () => {
    // As the realserver role of node web1 would report it, under that role's field manager.
    await kc.makeApiClient(CoreV1Api).createNode({ body: { metadata: { name: 'web1' } } });
    const realserver = new StatusWriter({
      applier: createStatusApplier(kc),
      fieldManager: nodeFieldManager('web1', 'realserver'),
      log: silentLogger(),
    });
    const ref = { kind: 'VirtualServer' as const, namespace: ns, name: 'web' };
    const report = (configured: boolean) => ({
      realServerVips: [
        {
          node: 'web1',
          address: backend(1),
          vip,
          mode: 'Loopback' as const,
          configured,
          ...(configured ? {} : { message: 'device lo is down' }),
        },
      ],
    });
    await realserver.write(ref, report(false));
    await waitFor('backend 1 out of IPVS', 60_000, async () => {
      const d = await destinations();
      return d.length === 2 && !d.includes(backend(1));
    });
    await waitFor('status says why', 30_000, async () => {
      const rs = (await get('virtualservers', 'web'))?.status?.realServers ?? [];
      const item = rs.find((r) => r.address === backend(1) && r.director === NODE);
      return item?.health === 'Down' && item.weight === 0 && (item.reason ?? '').startsWith('VipNotAccepted: VIP');
    });
    await waitFor('VipNotAccepted Event', 30_000, async () => (await events('VipNotAccepted')).length === 1);
    await realserver.write(ref, report(true));
    await waitFor('backend 1 back', 60_000, async () => (await destinations()).length === 3);
    await realserver.write(ref, {});
  });

  await step('killed watches and an API server restart: converges without restarting', async () => {
    const pid = agent?.pid;
    net.dropConnections();
    await apply(kc, service([1, 2]));
    await waitFor('two destinations after the killed watches', 60_000, async () => (await destinations()).length === 2);
    await plane.stopApiServer();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await plane.startApiServer();
    await apply(kc, service([1, 2, 4]));
    await waitFor('destination 4 after the restart', 180_000, async () => (await destinations()).includes(backend(4)));
    check(agent?.running === true && agent.pid === pid, 'the agent kept running');
  });

  await step('the node leaves the nodeSelector: group stopped, service removed, items withdrawn', async () => {
    await setLabel(false);
    await waitFor('VIP released', 60_000, async () => !(await vipOnEth0()));
    await waitFor('IPVS empty', 60_000, async () => (await destinations()).length === 0);
    await waitFor('status.nodes item withdrawn', 30_000, async () => (await groupItem()) === undefined);
    await waitFor('VipReleased', 30_000, async () => (await events('VipReleased')).length >= 1);
    await setLabel(true);
    await waitFor('MASTER again', 60_000, async () => (await groupItem())?.state === 'Master');
    await waitFor('IPVS back', 60_000, async () => (await destinations()).length === 3);
  });

  await step('delete: the node removes the service and the VIP before the objects go', async () => {
    await custom().deleteNamespacedCustomObject({
      group: 'lvs.io',
      version: 'v1alpha1',
      plural: 'virtualservers',
      namespace: ns,
      name: 'web',
    });
    await waitFor('VirtualServer gone', 60_000, async () => !(await get('virtualservers', 'web')));
    check(!(await ipvs()).includes(vip), 'IPVS service removed before the object went');
    await custom().deleteNamespacedCustomObject({
      group: 'lvs.io',
      version: 'v1alpha1',
      plural: 'vrrpgroups',
      namespace: ns,
      name: 'vg',
    });
    await waitFor('VrrpGroup gone', 60_000, async () => !(await get('vrrpgroups', 'vg')));
    check(!(await vipOnEth0()), 'VIP released before the object went');
  });

  await step('SIGTERM: VIP released, the group item says Stopped, exit 0', async () => {
    await apply(kc, group());
    await waitFor('MASTER of a new group', 60_000, async () => (await groupItem())?.state === 'Master');
    agent?.kill('SIGTERM');
    const code = await agent?.exited;
    check(code === 0, `exit ${code}`);
    check(!(await vipOnEth0()), 'VIP released on SIGTERM');
    const item = await groupItem();
    check(item?.state === 'Stopped' && item.effectivePriority === 0, JSON.stringify(item));
  });
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  },
);
