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
    // The `helm test` pod runs as the namespace's default ServiceAccount, which this API server
    // (no controller-manager) does not create by itself.
    await kubectl('create', 'serviceaccount', 'default', '-n', NS);
    // watchNamespace=apps puts the director's Secret Role in that namespace.
    await kubectl('create', 'namespace', 'apps');
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
    await kubectl('apply', '--dry-run=server', '--server-side', '-f', join(CHART, 'crd-manifests'));
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

  it('renders the command allowlist into the director args; the values schema refuses what the director would', async (ctx) => {
    if (!tools) ctx.skip();
    const show = (...sets: string[]) =>
      helm(
        'template',
        RELEASE,
        CHART,
        '--namespace',
        NS,
        '--show-only',
        'templates/director-daemonset.yaml',
        ...sets.flatMap((s) => ['--set', s]),
      );
    // The default allows nothing: no --allow-command at all.
    expect((await show()).stdout).toMatch(/args:\n\s+- director\n\s+env:/);
    const { stdout } = await show('director.commands.allowed={/usr/local/bin/check-db,/opt/lb/notify}');
    expect(stdout).toMatch(
      /args:\n\s+- director\n\s+- "--allow-command=\/usr\/local\/bin\/check-db"\n\s+- "--allow-command=\/opt\/lb\/notify"\n\s+env:/,
    );
    for (const bad of ['bin/check', '/usr/../bin/sh', '/usr/bin/', '/usr//bin/sh', '/./sh']) {
      const err = await helm('lint', CHART, '--set', `director.commands.allowed={${bad}}`).then(
        () => undefined,
        (e: { stdout?: string; stderr?: string }) => e,
      );
      expect(`${err?.stdout ?? ''}${err?.stderr ?? ''}`, bad).toContain("at '/director/commands/allowed/0'");
    }
  });

  it('binds the host-network listeners to the node address, which the probes and monitors use', async (ctx) => {
    if (!tools) ctx.skip();
    const show = async (sets: string[]) => {
      const args = ['template', RELEASE, CHART, '--namespace', NS, ...sets.flatMap((s) => ['--set', s])];
      const { stdout } = await helm(...args, '--show-only', 'templates/director-daemonset.yaml');
      const { stdout: rs } = await helm(...args, '--show-only', 'templates/realserver-daemonset.yaml');
      return [stdout, rs] as const;
    };
    const [director, realserver] = await show(['metrics.podMonitor.enabled=true']);
    for (const [text, port] of [
      [director, 9400],
      [realserver, 9401],
    ] as const) {
      expect(text).toMatch(/name: LVS_NODE_IP\n\s+valueFrom: \{ fieldRef: \{ fieldPath: status\.hostIP \} \}/);
      expect(text).toContain(`value: "[$(LVS_NODE_IP)]:${port}"`);
      // The kubelet probes a host-network pod at its pod IP, the node's address: the named port.
      expect(text).toContain('httpGet: { path: /readyz, port: metrics }');
      expect(text).not.toContain('0.0.0.0');
    }
    const { stdout: monitors } = await helm(
      'template',
      RELEASE,
      CHART,
      '--namespace',
      NS,
      '--set',
      'metrics.podMonitor.enabled=true',
      '--show-only',
      'templates/monitoring.yaml',
    );
    expect(monitors).toContain('- port: metrics');
    const [everywhere] = await show(['metrics.bindAddress=0.0.0.0']);
    expect(everywhere).toContain('value: "[0.0.0.0]:9400"');
    expect(everywhere).not.toContain('LVS_NODE_IP');
    await expect(helm('lint', CHART, '--set', 'metrics.bindAddress=every')).rejects.toThrow(/bindAddress/);
  });

  it('reads Secrets only where rbac allows: off, or in named namespaces through Roles', async (ctx) => {
    if (!tools) ctx.skip();
    await kubectl('create', 'namespace', 'chart-secrets');
    const as = (release: string) => `--as=system:serviceaccount:${NS}:${release}-lvs-operator-director`;
    const can = async (release: string, verb: string, ns: string) =>
      kubectl('auth', 'can-i', verb, 'secrets', as(release), '-n', ns).then(
        () => true,
        () => false,
      );
    for (const [release, sets] of [
      ['sec-off', ['rbac.readSecrets=false']],
      ['sec-named', ['rbac.secretNamespaces={chart-secrets}']],
    ] as const) {
      const args = ['template', release, CHART, '--namespace', NS, ...sets.flatMap((s) => ['--set', s])];
      const { stdout } = await helm(
        ...args,
        '--show-only',
        'templates/rbac.yaml',
        '--show-only',
        'templates/serviceaccounts.yaml',
      );
      await writeFile(join(work, `${release}.yaml`), stdout);
      await kubectl('apply', '-f', join(work, `${release}.yaml`));
      const { stdout: ds } = await helm(...args, '--show-only', 'templates/director-daemonset.yaml');
      if (release === 'sec-off') expect(ds).toMatch(/name: LVS_READ_SECRETS\n\s+value: "false"/);
      else expect(ds).toMatch(/name: LVS_SECRET_NAMESPACES\n\s+value: "chart-secrets"/);
    }
    expect(await can('sec-off', 'list', 'chart-secrets')).toBe(false);
    expect(await can('sec-off', 'list', 'default')).toBe(false);
    expect(await can('sec-named', 'list', 'chart-secrets')).toBe(true);
    expect(await can('sec-named', 'watch', 'chart-secrets')).toBe(true);
    expect(await can('sec-named', 'list', 'default')).toBe(false);
    expect(await can('sec-named', 'get', 'chart-secrets')).toBe(false);
  });

  it('passes vips.allowed and vips.denied to both node roles as --allow-vip / --deny-vip, and refuses a value that is no address', async (ctx) => {
    if (!tools) ctx.skip();
    for (const [template, role] of [
      ['templates/director-daemonset.yaml', 'director'],
      ['templates/realserver-daemonset.yaml', 'realserver'],
    ] as const) {
      const { stdout } = await helm(
        'template',
        RELEASE,
        CHART,
        '--namespace',
        NS,
        '--show-only',
        template,
        '--set',
        'vips.allowed={192.168.105.0/24}',
        '--set',
        'vips.denied={10.96.0.0/12,192.168.105.1}',
      );
      expect(stdout).toContain(
        `args:\n            - ${role}\n            - "--allow-vip=192.168.105.0/24"\n            - "--deny-vip=10.96.0.0/12"\n            - "--deny-vip=192.168.105.1"\n          env:`,
      );
      const { stdout: plain } = await helm('template', RELEASE, CHART, '--namespace', NS, '--show-only', template);
      expect(plain).toContain(`args:\n            - ${role}\n          env:`);
    }
    const { stdout: adopt } = await helm(
      'template',
      RELEASE,
      CHART,
      '--namespace',
      NS,
      '--show-only',
      'templates/director-daemonset.yaml',
      '--set',
      'director.adoptIpvsServices={tcp:10.0.0.1:80,udp:[fd00::1]:53,fwmark:7}',
    );
    expect(adopt).toContain(
      'args:\n            - director\n            - "--adopt-ipvs-service=tcp:10.0.0.1:80"\n            - "--adopt-ipvs-service=udp:[fd00::1]:53"\n            - "--adopt-ipvs-service=fwmark:7"\n',
    );
    for (const [set, where] of [
      ['director.adoptIpvsServices={10.0.0.1:80}', "at '/director/adoptIpvsServices/0'"],
      ['vips.denied={api-server}', "at '/vips/denied/0'"],
      ['vips.allowed={10.0.0.0/33x}', "at '/vips/allowed/0'"],
      ['director.denyVIPs={10.0.0.1}', 'denyVIPs'],
    ] as const) {
      const err = await helm('lint', CHART, '--set', set).then(
        () => undefined,
        (e: { stdout?: string; stderr?: string }) => e,
      );
      expect(`${err?.stdout ?? ''}${err?.stderr ?? ''}`, set).toContain(where);
    }
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
      ['realserver', 'list', 'secrets', false],
      ['director', 'list', 'secrets', true],
      ['director', 'watch', 'secrets', true],
      ['director', 'get', 'secrets', false],
      ['controller', 'patch', 'virtualservers.lvs.io/status', true],
      ['controller', 'patch', 'virtualservers.lvs.io', true],
      ['controller', 'delete', 'virtualservers.lvs.io', false],
      ['controller', 'list', 'secrets', false],
      ['controller', 'get', 'secrets', false],
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
