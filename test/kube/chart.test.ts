import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoordinationV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithApiServer } from './api-server.js';
import { apply, kubeConfigFrom, repoRoot } from './cluster.js';
import { waitFor } from './control-plane.js';
import { kubeTools, type KubeTools } from './tools.js';

const run = promisify(execFile);
const CHART = join(repoRoot, 'charts', 'lvs-operator');
const NS = 'lvs-system';
const RELEASE = 'lb';

describeWithApiServer('Helm chart against a real API server', (kubeconfigPath) => {
  let tools: KubeTools | undefined;
  let work = '';
  const kc = kubeConfigFrom(kubeconfigPath);

  beforeAll(async () => {
    tools = await kubeTools();
    work = await mkdtemp(join(tmpdir(), 'lvs-chart-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  const helm = (...args: string[]) => run(tools?.helm ?? 'helm', args, { maxBuffer: 16 << 20 });
  const kubectl = (...args: string[]) =>
    run(tools?.kubectl ?? 'kubectl', [`--kubeconfig=${kubeconfigPath}`, ...args], { maxBuffer: 16 << 20 });
  const render = async (file: string, set: readonly string[], ...extra: string[]) => {
    const sets = set.flatMap((s) => ['--set', s]);
    const { stdout } = await helm('template', RELEASE, CHART, '--namespace', NS, ...sets, ...extra);
    await writeFile(join(work, file), stdout);
    return join(work, file);
  };

  it('passes helm lint, and the values schema refuses bad values', async (ctx) => {
    if (!tools) ctx.skip();
    await helm('lint', CHART, '--strict');
    await expect(helm('lint', CHART, '--set', 'director.metricsPort=http')).rejects.toThrow(/metricsPort/);
    await expect(helm('lint', CHART, '--set', 'logLevel=verbose')).rejects.toThrow(/logLevel/);
  });

  it('renders manifests the API server accepts (kubectl apply --dry-run=server)', async (ctx) => {
    if (!tools) ctx.skip();
    await kubectl('create', 'namespace', NS);
    for (const [file, sets] of [
      ['default.yaml', []],
      ['single-namespace.yaml', ['watchNamespace=apps', 'rbac.readSecrets=false', 'director.privileged=true']],
      ['controller-only.yaml', ['director.enabled=false', 'realserver.enabled=false', 'controller.replicas=2']],
    ] as const) {
      const manifests = await render(file, sets);
      const { stdout } = await kubectl('apply', '--dry-run=server', '-f', manifests);
      expect(stdout, file).toMatch(/daemonset|deployment/);
      expect(stdout, file).toContain('(server dry run)');
    }
    // The chart's copy of the CRDs is the generated one.
    await kubectl('apply', '--dry-run=server', '--server-side', '-f', join(CHART, 'crds'));
  });

  it('renders hostNetwork directors with NET_ADMIN and NET_RAW only, not privileged', async (ctx) => {
    if (!tools) ctx.skip();
    const { stdout } = await helm(
      'template',
      RELEASE,
      CHART,
      '--namespace',
      NS,
      '--show-only',
      'templates/director-daemonset.yaml',
    );
    expect(stdout).toContain('hostNetwork: true');
    expect(stdout).toContain('privileged: false');
    expect(stdout).toMatch(/add: \[NET_ADMIN, NET_RAW\]/);
    expect(stdout).toMatch(/mountPath: \/lib\/modules\n\s+readOnly: true/);
    expect(stdout).toContain('fieldPath: spec.nodeName');
  });

  it('passes director.denyVIPs as --deny-vip flags, and refuses a value that is no address', async (ctx) => {
    if (!tools) ctx.skip();
    const { stdout } = await helm(
      'template',
      RELEASE,
      CHART,
      '--namespace',
      NS,
      '--show-only',
      'templates/director-daemonset.yaml',
      '--set',
      'director.denyVIPs={10.96.0.0/12,192.168.0.10}',
    );
    expect(stdout).toMatch(/args:\n\s+- director\n\s+- --deny-vip=10\.96\.0\.0\/12\n\s+- --deny-vip=192\.168\.0\.10\n/);
    await expect(helm('lint', CHART, '--set', 'director.denyVIPs={api-server}')).rejects.toThrow(/denyVIPs/);
  });

  it('grants each role what it needs and nothing more', async (ctx) => {
    if (!tools) ctx.skip();
    await kubectl('apply', '-f', await render('rbac.yaml', [], '--show-only=templates/rbac.yaml'));
    await kubectl('apply', '-f', await render('sa.yaml', [], '--show-only=templates/serviceaccounts.yaml'));
    const can = async (role: string, verb: string, resource: string, ns = 'default') => {
      const as = `system:serviceaccount:${NS}:${RELEASE}-lvs-operator-${role}`;
      // "kind/status" asks about the status subresource; "kind/name" about one object.
      const [kind = '', sub] = resource.split('/');
      const target = sub === 'status' ? [kind, '--subresource=status'] : [resource];
      try {
        await kubectl('auth', 'can-i', verb, ...target, `--as=${as}`, '-n', ns);
        return true;
      } catch {
        return false;
      }
    };
    const table: [string, string, string, boolean, string?][] = [
      ['director', 'watch', 'virtualservers.lvs.io', true],
      ['director', 'patch', 'vrrpgroups.lvs.io/status', true],
      ['director', 'create', 'events.events.k8s.io', true],
      ['director', 'delete', 'virtualservers.lvs.io', false],
      ['director', 'update', 'vrrpgroups.lvs.io', false],
      ['director', 'patch', 'realservers.lvs.io', false],
      ['director', 'patch', 'virtualservers.lvs.io', false],
      ['realserver', 'patch', 'realservers.lvs.io', false],
      ['director', 'list', 'pods', false],
      ['realserver', 'patch', 'realservers.lvs.io/status', true],
      ['realserver', 'patch', 'virtualservers.lvs.io/status', true],
      ['director', 'patch', 'realservers.lvs.io/status', true],
      ['realserver', 'patch', 'vrrpgroups.lvs.io/status', false],
      ['realserver', 'get', 'secrets', false],
      ['controller', 'patch', 'virtualservers.lvs.io/status', true],
      ['controller', 'patch', 'virtualservers.lvs.io', true],
      ['controller', 'delete', 'virtualservers.lvs.io', false],
      ['controller', 'get', 'secrets', true],
      ['controller', 'update', 'leases.coordination.k8s.io/lvs-operator-controller', true, NS],
      ['controller', 'update', 'leases.coordination.k8s.io/other', false, NS],
      ['controller', 'create', 'leases.coordination.k8s.io', false, 'default'],
    ];
    for (const [role, verb, resource, expected, ns] of table) {
      expect(await can(role, verb, resource, ns), `${role} ${verb} ${resource}`).toBe(expected);
    }
  });

  it('runs the controller with nothing but its service account', async (ctx) => {
    if (!tools) ctx.skip();
    const { stdout: token } = await kubectl('create', 'token', `${RELEASE}-lvs-operator-controller`, '-n', NS);
    const cluster = kc.getCurrentCluster();
    const saConfig = join(work, 'controller.kubeconfig');
    await writeFile(
      saConfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: cluster?.server, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'sa', user: { token: token.trim() } }],
        contexts: [{ name: 'c', context: { cluster: 'c', user: 'sa' } }],
        'current-context': 'c',
      }),
    );
    await kubectl('create', 'namespace', 'chart-apps');
    const group = (name: string) => ({
      apiVersion: 'lvs.io/v1alpha1',
      kind: 'VrrpGroup',
      metadata: { name, namespace: 'chart-apps' },
      spec: { virtualRouterId: 7, version: 3, interface: 'eth0', virtualIPs: [{ address: `192.0.2.${name.length}` }] },
    });
    await apply(kc, group('one'));
    await apply(kc, group('three'));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(repoRoot, 'src/cli/lvs-operator.ts'), 'controller', `--kubeconfig=${saConfig}`],
      {
        cwd: repoRoot,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, POD_NAMESPACE: NS, POD_NAME: 'sa-test', LVS_METRICS_ADDRESS: '127.0.0.1:0' },
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor('the Lease', 30_000, async () => {
        const lease = await kc
          .makeApiClient(CoordinationV1Api)
          .readNamespacedLease({ name: 'lvs-operator-controller', namespace: NS })
          .catch(() => undefined);
        return lease?.spec?.holderIdentity === 'sa-test';
      });
      const custom = kc.makeApiClient(CustomObjectsApi);
      await waitFor('Conflict on the newer group', 30_000, async () => {
        const obj = (await custom.getNamespacedCustomObject({
          group: 'lvs.io',
          version: 'v1alpha1',
          plural: 'vrrpgroups',
          namespace: 'chart-apps',
          name: 'three',
        })) as { status?: { conditions?: { type: string; status: string }[] } };
        return obj.status?.conditions?.some((c) => c.type === 'Conflict' && c.status === 'True') === true;
      });
      expect(stderr).not.toMatch(/forbidden/i);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, stderr).toBe(0);
  });
});
