import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoordinationV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { KINDS } from '../../src/api/index.js';
import { describeWithApiServer } from './api-server.js';
import { apply, kubeConfigFrom, repoRoot } from './cluster.js';
import { waitFor } from './control-plane.js';
import { kubeTools, type KubeTools } from './tools.js';

const run = promisify(execFile);
const CHART = join(repoRoot, 'charts', 'lvs-operator');
const NS = 'lvs-system';
const RELEASE = 'lb';
const ROLES = ['director', 'realserver', 'controller'] as const;
type Role = (typeof ROLES)[number];

/** The parts of rendered objects these tests read. */
interface Meta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface Container {
  name: string;
  image?: string;
  imagePullPolicy?: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  ports?: { name?: string; containerPort: number }[];
  resources?: unknown;
  securityContext?: { privileged?: boolean; capabilities?: unknown };
}
interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  hostNetwork?: boolean;
  restartPolicy?: string;
  priorityClassName?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: unknown[];
  affinity?: unknown;
  imagePullSecrets?: { name: string }[];
  terminationGracePeriodSeconds?: number;
  containers: Container[];
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: Meta;
  spec?: Partial<PodSpec> & {
    replicas?: number;
    minReadySeconds?: number;
    updateStrategy?: unknown;
    selector?: { matchLabels?: Record<string, string> };
    template?: { metadata: Meta; spec: PodSpec };
    minAvailable?: number | string;
    maxUnavailable?: number | string;
  };
  subjects?: { kind: string; name: string; namespace?: string }[];
  roleRef?: { kind: string; name: string };
}

const WORKLOAD: Record<Role, { kind: string; suffix: string }> = {
  director: { kind: 'DaemonSet', suffix: 'director' },
  realserver: { kind: 'DaemonSet', suffix: 'realserver' },
  controller: { kind: 'Deployment', suffix: 'controller' },
};

/** A role's workload in a rendering, by kind and component label. */
function workloadOf(objects: readonly Manifest[], role: Role): Manifest {
  const found = objects.find(
    (o) => o.kind === WORKLOAD[role].kind && o.metadata.labels?.['app.kubernetes.io/component'] === role,
  );
  if (!found?.spec?.template) throw new Error(`no ${role} workload rendered`);
  return found;
}
function podOf(objects: readonly Manifest[], role: Role): PodSpec {
  const spec = workloadOf(objects, role).spec?.template?.spec;
  if (!spec) throw new Error(`no pod spec for ${role}`);
  return spec;
}
function containerOf(objects: readonly Manifest[], role: Role): Container {
  const container = podOf(objects, role).containers.find((c) => c.name === role);
  if (!container) throw new Error(`no ${role} container`);
  return container;
}
/** Documents in YAML 1.1, as Helm and kubectl read it: `on` or `yes` stay strings. */
function yamlFor(docs: readonly object[]): string {
  return docs.map((d) => stringify(d, { version: '1.1' })).join('---\n');
}

/** The labels an object selects pods by: matchLabels, or a Service's plain selector. */
function selectorOf(o: Manifest): Record<string, string> | undefined {
  const selector = o.spec?.selector;
  if (!selector) return undefined;
  return o.kind === 'Service' ? (selector as Record<string, string>) : selector.matchLabels;
}
function envOf(container: Container, name: string) {
  return container.env?.filter((e) => e.name === name) ?? [];
}

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

  let valuesFiles = 0;
  /** helm template with a values file (written from `values`) and --set pairs, parsed. */
  const renderObjects = async (values: object, ...sets: string[]): Promise<Manifest[]> => {
    const file = join(work, `values-${++valuesFiles}.yaml`);
    await writeFile(file, yamlFor([values]));
    const { stdout } = await helm(
      'template',
      RELEASE,
      CHART,
      '--namespace',
      NS,
      '-f',
      file,
      ...sets.flatMap((s) => ['--set', s]),
    );
    return parseAllDocuments(stdout)
      .map((d) => d.toJS() as Manifest | null)
      .filter((o): o is Manifest => o !== null);
  };
  /** The output of a helm command expected to fail (stdout and stderr together), or '' when it passed. */
  const failure = (...args: string[]) =>
    helm(...args).then(
      () => '',
      (e: { stdout?: string; stderr?: string }) => `${e.stdout ?? ''}${e.stderr ?? ''}`,
    );

  it('renders the placement, priority, extra args and env, pod metadata, ServiceAccount, resources and update strategy of each role into its pod', async (ctx) => {
    if (!tools) ctx.skip();
    const role = (name: Role) => ({
      tolerations: [{ key: `lvs.io/${name}`, operator: 'Exists', effect: 'NoSchedule' }],
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: [`z-${name}`] }] }],
          },
        },
      },
      // Helm merges maps with the defaults; null removes a default key (lvs.io/director).
      nodeSelector: { ...(name === 'controller' ? {} : { [`lvs.io/${name}`]: null }), [`pool-${name}`]: 'yes' },
      priorityClassName: `prio-${name}`,
      extraArgs: [`--log-level=debug`, `--${name}-extra`],
      extraEnv: [
        { name: `EXTRA_${name.toUpperCase()}`, value: 'on' },
        { name: 'FROM_FIELD', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
      ],
      podAnnotations: { [`note/${name}`]: 'a' },
      podLabels: { team: name },
      serviceAccount: { create: true, name: `sa-${name}`, annotations: { [`iam/${name}`]: 'r' } },
      resources: { requests: { cpu: '7m', memory: `${ROLES.indexOf(name) + 10}Mi` }, limits: { memory: '1Gi' } },
      ...(name === 'controller' ? {} : { updateStrategy: { type: 'OnDelete' } }),
    });
    const objects = await renderObjects({
      director: role('director'),
      realserver: role('realserver'),
      controller: role('controller'),
    });
    for (const name of ROLES) {
      const workload = workloadOf(objects, name);
      const pod = podOf(objects, name);
      const container = containerOf(objects, name);
      const want = role(name);
      expect(pod.tolerations, name).toEqual(want.tolerations);
      expect(pod.affinity, name).toEqual(want.affinity);
      expect(pod.nodeSelector, name).toEqual({ [`pool-${name}`]: 'yes' });
      expect(pod.priorityClassName, name).toBe(`prio-${name}`);
      expect(container.args?.slice(-2), name).toEqual(want.extraArgs);
      expect(container.args?.[0], name).toBe(name);
      expect(container.env?.slice(-2), name).toEqual(want.extraEnv);
      expect(envOf(container, 'NODE_NAME'), name).toHaveLength(1);
      expect(workload.spec?.template?.metadata.annotations, name).toEqual(want.podAnnotations);
      expect(workload.spec?.template?.metadata.labels, name).toEqual({
        ...workload.spec?.selector?.matchLabels,
        team: name,
      });
      expect(container.resources, name).toEqual(want.resources);
      if (name !== 'controller') expect(workload.spec?.updateStrategy, name).toEqual({ type: 'OnDelete' });
      // The pod runs as the named ServiceAccount, which the chart makes and its RBAC binds.
      expect(pod.serviceAccountName, name).toBe(`sa-${name}`);
      const account = objects.find((o) => o.kind === 'ServiceAccount' && o.metadata.name === `sa-${name}`);
      expect(account?.metadata.annotations, name).toEqual({ [`iam/${name}`]: 'r' });
      const binding = objects.find(
        (o) => o.kind === 'ClusterRoleBinding' && o.metadata.name === `${RELEASE}-lvs-operator-${name}`,
      );
      expect(binding?.subjects, name).toEqual([{ kind: 'ServiceAccount', name: `sa-${name}`, namespace: NS }]);
    }
    // The same values pass the API server's validation of those fields.
    const file = join(work, 'every-value.yaml');
    await writeFile(file, yamlFor(objects));
    const { stdout } = await kubectl('apply', '--dry-run=server', '-f', file);
    expect(stdout).toContain('daemonset.apps/lb-lvs-operator-director created (server dry run)');

    // create: false runs the role as an existing ServiceAccount, still bound by the chart's RBAC.
    const existing = await renderObjects(
      {},
      'director.serviceAccount.create=false',
      'director.serviceAccount.name=ops-lb',
    );
    expect(podOf(existing, 'director').serviceAccountName).toBe('ops-lb');
    expect(existing.filter((o) => o.kind === 'ServiceAccount').map((o) => o.metadata.name)).toEqual([
      `${RELEASE}-lvs-operator-realserver`,
      `${RELEASE}-lvs-operator-controller`,
    ]);
    const bindings = existing.filter((o) => o.kind.endsWith('RoleBinding') && o.metadata.name.includes('-director'));
    expect(bindings.length).toBeGreaterThan(0);
    for (const b of bindings) expect(b.subjects?.[0]?.name, b.metadata.name).toBe('ops-lb');
  });

  it('keeps the pod-spec defaults: node roles system-node-critical, the controller no priority class, one director at a time', async (ctx) => {
    if (!tools) ctx.skip();
    const objects = await renderObjects({});
    expect(podOf(objects, 'director').priorityClassName).toBe('system-node-critical');
    expect(podOf(objects, 'realserver').priorityClassName).toBe('system-node-critical');
    expect(podOf(objects, 'controller').priorityClassName).toBeUndefined();
    expect(workloadOf(objects, 'director').spec?.updateStrategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 1 },
    });
    expect(podOf(objects, 'controller').nodeSelector).toBeUndefined();
    expect(podOf(objects, 'director').tolerations).toBeUndefined();
    for (const role of ROLES) {
      expect(podOf(objects, role).serviceAccountName, role).toBe(`${RELEASE}-lvs-operator-${role}`);
      const limits = (containerOf(objects, role).resources as { limits?: { memory?: string } }).limits;
      expect(limits?.memory, role).toMatch(/^\d+Mi$/);
    }
    // An empty priorityClassName leaves the field out.
    const none = await renderObjects({}, 'director.priorityClassName=');
    expect(podOf(none, 'director').priorityClassName).toBeUndefined();
  });

  it('renders the existing pod-spec values where they belong: image, pull secrets, namespace, log level, ports, privileges, grace, replicas', async (ctx) => {
    if (!tools) ctx.skip();
    const objects = await renderObjects(
      {
        image: { repository: 'registry.example/lvs', tag: '9.9.9', pullPolicy: 'Always' },
        imagePullSecrets: [{ name: 'pull' }],
      },
      'watchNamespace=apps',
      'logLevel=debug',
      'director.metricsPort=9500',
      'realserver.metricsPort=9501',
      'controller.metricsPort=9502',
      'director.privileged=true',
      'realserver.privileged=false',
      'director.terminationGracePeriodSeconds=45',
      'director.minReadySeconds=20',
      'controller.replicas=2',
    );
    const ports = { director: 9500, realserver: 9501, controller: 9502 };
    for (const role of ROLES) {
      const container = containerOf(objects, role);
      expect(container.image, role).toBe('registry.example/lvs:9.9.9');
      expect(container.imagePullPolicy, role).toBe('Always');
      expect(podOf(objects, role).imagePullSecrets, role).toEqual([{ name: 'pull' }]);
      expect(envOf(container, 'LVS_WATCH_NAMESPACE'), role).toEqual([{ name: 'LVS_WATCH_NAMESPACE', value: 'apps' }]);
      expect(envOf(container, 'LOG_LEVEL'), role).toEqual([{ name: 'LOG_LEVEL', value: 'debug' }]);
      expect(container.ports, role).toEqual([{ name: 'metrics', containerPort: ports[role], protocol: 'TCP' }]);
    }
    expect(containerOf(objects, 'director').securityContext?.privileged).toBe(true);
    expect(containerOf(objects, 'director').securityContext?.capabilities).toBeUndefined();
    expect(containerOf(objects, 'realserver').securityContext).toMatchObject({
      privileged: false,
      capabilities: { drop: ['ALL'], add: ['NET_ADMIN', 'NET_RAW'] },
    });
    expect(podOf(objects, 'director').terminationGracePeriodSeconds).toBe(45);
    expect(workloadOf(objects, 'director').spec?.minReadySeconds).toBe(20);
    expect(workloadOf(objects, 'controller').spec?.replicas).toBe(2);
    for (const role of ROLES) {
      const off = await renderObjects({}, `${role}.enabled=false`);
      expect(() => workloadOf(off, role), role).toThrow(/no .* workload/);
      expect(off.some((o) => o.metadata.name === `${RELEASE}-lvs-operator-${role}`)).toBe(false);
    }
  });

  it('names every object after nameOverride or fullnameOverride, and selectors still find the pods', async (ctx) => {
    if (!tools) ctx.skip();
    for (const [sets, prefix, name] of [
      [['nameOverride=lvs'], `${RELEASE}-lvs`, 'lvs'],
      [['fullnameOverride=edge-lb'], 'edge-lb', 'lvs-operator'],
      [['fullnameOverride=edge-lb', 'nameOverride=lvs'], 'edge-lb', 'lvs'],
    ] as const) {
      const objects = await renderObjects(
        {},
        ...sets,
        'controller.replicas=2',
        'metrics.serviceMonitor.enabled=true',
        'metrics.podMonitor.enabled=true',
      );
      const named = objects.filter((o) => o.kind !== 'CustomResourceDefinition');
      expect(named.length, prefix).toBeGreaterThan(15);
      for (const o of named) expect(o.metadata.name, `${o.kind} of ${sets.join()}`).toMatch(new RegExp(`^${prefix}-`));
      for (const role of ROLES) {
        const workload = workloadOf(objects, role);
        const podLabels = workload.spec?.template?.metadata.labels ?? {};
        expect(podLabels['app.kubernetes.io/name'], prefix).toBe(name);
        expect(workload.metadata.labels?.['app.kubernetes.io/name'], prefix).toBe(name);
        expect(podOf(objects, role).serviceAccountName).toBe(`${prefix}-${role}`);
        // Whatever selects a role's pods (the workload itself, the metrics Service, the
        // monitors, the budget) selects the labels its pods carry.
        const selecting = objects.filter((o) => selectorOf(o)?.['app.kubernetes.io/component'] === role);
        expect(selecting.map((o) => o.kind).sort(), `${prefix} ${role}`).toEqual(
          [WORKLOAD[role].kind, 'PodMonitor', 'Service', 'ServiceMonitor']
            .concat(role === 'controller' ? ['PodDisruptionBudget'] : [])
            .sort(),
        );
        for (const o of selecting) expect(podLabels, `${o.kind} ${o.metadata.name}`).toMatchObject(selectorOf(o) ?? {});
      }
      for (const binding of objects.filter((o) => o.kind.endsWith('Binding'))) {
        expect(objects.some((o) => o.kind === binding.roleRef?.kind && o.metadata.name === binding.roleRef.name)).toBe(
          true,
        );
        const subject = binding.subjects?.[0];
        expect(objects.some((o) => o.kind === 'ServiceAccount' && o.metadata.name === subject?.name)).toBe(true);
      }
    }
  });

  it('lets every role list and watch each kind its KubeSource informs on, and Nodes', async (ctx) => {
    if (!tools) ctx.skip();
    type Rule = { apiGroups?: string[]; resources?: string[]; verbs?: string[] };
    const objects = (await renderObjects({})) as (Manifest & { rules?: Rule[] })[];
    const allows = (rules: readonly Rule[], group: string, resource: string, verb: string) =>
      rules.some((r) => r.apiGroups?.includes(group) && r.resources?.includes(resource) && r.verbs?.includes(verb));
    for (const role of ROLES) {
      const clusterRole = objects.find(
        (o) => o.kind === 'ClusterRole' && o.metadata.name === `${RELEASE}-lvs-operator-${role}`,
      );
      const rules = clusterRole?.rules ?? [];
      // Every node role and the controller run a KubeSource over KINDS and Nodes: a kind it
      // cannot list keeps the informer from syncing, and the pod never turns Ready.
      for (const { plural } of KINDS) {
        for (const verb of ['list', 'watch'])
          expect(allows(rules, 'lvs.io', plural, verb), `${role} ${verb} ${plural}`).toBe(true);
      }
      for (const verb of ['list', 'watch'])
        expect(allows(rules, '', 'nodes', verb), `${role} ${verb} nodes`).toBe(true);
    }
  });

  it('keeps every name within 63 characters, even from the longest fullnameOverride', async (ctx) => {
    if (!tools) ctx.skip();
    // The schema's longest fullnameOverride; the release name is cut to the same length.
    const long = 'x'.repeat(42);
    const objects = await renderObjects(
      {},
      `fullnameOverride=${long}`,
      'controller.replicas=2',
      'metrics.serviceMonitor.enabled=true',
      'metrics.podMonitor.enabled=true',
      'metrics.prometheusRule.enabled=true',
      'metrics.grafanaDashboard.enabled=true',
    );
    const names = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(names.length).toBeGreaterThan(20);
    // The longest suffixes: the test hook's Pod and the metrics Services.
    expect(names).toContain(`Pod/${long}-test-director-status`);
    expect(names).toContain(`Service/${long}-realserver-metrics`);
    expect(objects.filter((o) => o.metadata.name.length > 63).map((o) => o.metadata.name)).toEqual([]);
  });

  it('gives the director LVSCTL_STATUS_URL, the address its status listener answers on from the node', async (ctx) => {
    if (!tools) ctx.skip();
    for (const [bind, url] of [
      ['hostIP', 'http://$(LVS_NODE_IP):9400'],
      ['0.0.0.0', 'http://127.0.0.1:9400'],
      ['::', 'http://[::1]:9400'],
      ['192.0.2.10', 'http://192.0.2.10:9400'],
      ['fd00::10', 'http://[fd00::10]:9400'],
    ] as const) {
      const objects = await renderObjects({}, `metrics.bindAddress=${bind}`);
      const container = containerOf(objects, 'director');
      expect(envOf(container, 'LVSCTL_STATUS_URL'), bind).toEqual([{ name: 'LVSCTL_STATUS_URL', value: url }]);
      // $(LVS_NODE_IP) expands only when that variable comes first.
      const names = container.env?.map((e) => e.name) ?? [];
      if (bind === 'hostIP') expect(names.indexOf('LVS_NODE_IP')).toBeLessThan(names.indexOf('LVSCTL_STATUS_URL'));
      const pod = objects.find((o) => o.metadata.annotations?.['helm.sh/hook'] === 'test');
      expect(pod?.spec?.containers?.[0]?.command, bind).toEqual(['lvsctl', 'status', '--url', url, '-o', 'json']);
    }
    const other = await renderObjects({}, 'director.metricsPort=9555');
    expect(envOf(containerOf(other, 'director'), 'LVSCTL_STATUS_URL')[0]?.value).toBe('http://$(LVS_NODE_IP):9555');
  });

  it('has a helm test hook: lvsctl status from a host-network pod on a director node', async (ctx) => {
    if (!tools) ctx.skip();
    const tolerations = [{ key: 'lb', operator: 'Exists', effect: 'NoSchedule' }];
    const nodeAffinity = {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: 'rack', operator: 'In', values: ['r1'] }] }],
      },
    };
    const objects = await renderObjects({
      director: {
        tolerations,
        affinity: {
          nodeAffinity,
          podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'x' }] },
        },
      },
      imagePullSecrets: [{ name: 'pull' }],
    });
    const tests = objects.filter((o) => o.metadata.annotations?.['helm.sh/hook'] === 'test');
    expect(tests).toHaveLength(1);
    const pod = tests[0];
    expect(pod?.kind).toBe('Pod');
    expect(pod?.metadata.annotations?.['helm.sh/hook-delete-policy']).toBe('before-hook-creation,hook-succeeded');
    expect(pod?.spec).toMatchObject({
      hostNetwork: true,
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      nodeSelector: { 'lvs.io/director': 'true' },
      tolerations,
      // Only where the director may run: its pod anti-affinity concerns director pods.
      affinity: { nodeAffinity },
      imagePullSecrets: [{ name: 'pull' }],
    });
    expect((pod?.spec?.affinity as Record<string, unknown>)['podAntiAffinity']).toBeUndefined();
    const container = pod?.spec?.containers?.[0];
    expect(container?.image).toBe(containerOf(objects, 'director').image);
    expect(container?.env).toEqual([{ name: 'LVS_NODE_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } }]);
    for (const sets of [['tests.enabled=false'], ['director.enabled=false']]) {
      const none = await renderObjects({}, ...sets);
      expect(
        none.filter((o) => o.metadata.annotations?.['helm.sh/hook'] === 'test'),
        sets.join(),
      ).toHaveLength(0);
    }
  });

  it('renders the controller PodDisruptionBudget only with more than one replica, and the API server accepts it', async (ctx) => {
    if (!tools) ctx.skip();
    const budgets = async (...sets: string[]) =>
      (await renderObjects({}, ...sets)).filter((o) => o.kind === 'PodDisruptionBudget');
    expect(await budgets()).toHaveLength(0);
    expect(await budgets('controller.replicas=2', 'controller.podDisruptionBudget.enabled=false')).toHaveLength(0);
    const [two] = await budgets('controller.replicas=2');
    expect(two?.metadata.name).toBe(`${RELEASE}-lvs-operator-controller`);
    expect(two?.spec?.minAvailable).toBe(1);
    expect(two?.spec?.maxUnavailable).toBeUndefined();
    expect(two?.spec?.selector?.matchLabels).toEqual({
      'app.kubernetes.io/name': 'lvs-operator',
      'app.kubernetes.io/instance': RELEASE,
      'app.kubernetes.io/component': 'controller',
    });
    const [pct] = await budgets('controller.replicas=3', 'controller.podDisruptionBudget.maxUnavailable=50%');
    expect(pct?.spec?.maxUnavailable).toBe('50%');
    expect(pct?.spec?.minAvailable).toBeUndefined();
    const [zero] = await budgets('controller.replicas=3', 'controller.podDisruptionBudget.maxUnavailable=0');
    expect(zero?.spec?.maxUnavailable).toBe(0);
    const file = join(work, 'pdb.yaml');
    await writeFile(file, yamlFor(two ? [two] : []));
    const { stdout } = await kubectl('apply', '--dry-run=server', '-f', file);
    expect(stdout).toContain('poddisruptionbudget.policy/lb-lvs-operator-controller created (server dry run)');
  });

  it('templates the generated CRDs (crds.enabled), annotated to be kept on uninstall (crds.keep)', async (ctx) => {
    if (!tools) ctx.skip();
    const crds = async (...sets: string[]) =>
      (await renderObjects({}, ...sets)).filter((o) => o.kind === 'CustomResourceDefinition');
    const dir = join(repoRoot, 'crds');
    const generated = await Promise.all(
      (await readdir(dir))
        .filter((f) => f.endsWith('.yaml'))
        .map(async (f) => parse(await readFile(join(dir, f), 'utf8')) as Manifest),
    );
    const kept = await crds();
    expect(kept.map((c) => c.metadata.name).sort()).toEqual(generated.map((c) => c.metadata.name).sort());
    for (const crd of kept) {
      expect(crd.metadata.annotations, crd.metadata.name).toEqual({ 'helm.sh/resource-policy': 'keep' });
      const { annotations: _, ...metadata } = crd.metadata;
      expect({ ...crd, metadata }).toEqual(generated.find((g) => g.metadata.name === crd.metadata.name));
    }
    for (const crd of await crds('crds.keep=false'))
      expect(crd.metadata.annotations, crd.metadata.name).toBeUndefined();
    expect(await crds('crds.enabled=false')).toHaveLength(0);
    // Server-side apply of the templated copy onto the installed CRDs: the same objects.
    const file = join(work, 'crds.yaml');
    await writeFile(file, yamlFor(kept));
    await kubectl('apply', '--dry-run=server', '--server-side', '--force-conflicts', '-f', file);
  });

  it('refuses unknown keys in every block the chart adds, and values that would break the objects', async (ctx) => {
    if (!tools) ctx.skip();
    const extra = (at: string, key: string) => `at '${at}': additional properties '${key}' not allowed`;
    const refused: [string, string][] = [
      ['fullnameOverride=Edge_LB', "at '/fullnameOverride'"],
      ['nameOverride=lvs.operator', "at '/nameOverride'"],
      ['crds.enable=false', extra('/crds', 'enable')],
      ['crds.keep=yes', "at '/crds/keep': got string, want boolean"],
      ['tests.enable=false', extra('/tests', 'enable')],
      ['controller.podDisruptionBudget.minAvailble=1', extra('/controller/podDisruptionBudget', 'minAvailble')],
      ['controller.podDisruptionBudget.maxUnavailable=half', "at '/controller/podDisruptionBudget/maxUnavailable'"],
      // A Deployment has no updateStrategy.
      ['controller.updateStrategy.type=OnDelete', extra('/controller', 'updateStrategy')],
      [
        'director.updateStrategy.rollingUpdate.maxUnavailble=2',
        extra('/director/updateStrategy/rollingUpdate', 'maxUnavailble'),
      ],
      ['realserver.updateStrategy.type=Recreate', "at '/realserver/updateStrategy/type'"],
    ];
    for (const role of ROLES) {
      refused.push(
        [`${role}.tolerration[0].operator=Exists`, extra(`/${role}`, 'tolerration')],
        [`${role}.tolerations[0].operater=Exists`, extra(`/${role}/tolerations/0`, 'operater')],
        [`${role}.affinity.nodeAfinity.x=y`, extra(`/${role}/affinity`, 'nodeAfinity')],
        [`${role}.extraArg[0]=--x`, extra(`/${role}`, 'extraArg')],
        [`${role}.extraEnv[0].value=x`, `at '/${role}/extraEnv/0': missing property 'name'`],
        [`${role}.extraEnv[0].name=A`, ''],
        [`${role}.podLabel.team=a`, extra(`/${role}`, 'podLabel')],
        // The selector's labels: a pod carrying another value would leave its workload.
        [`${role}.podLabels.app\\.kubernetes\\.io/component=x`, "invalid propertyName 'app.kubernetes.io/component'"],
        [`${role}.podLabels.team=a`, ''],
        [`${role}.serviceAccount.nmae=x`, extra(`/${role}/serviceAccount`, 'nmae')],
        // An existing ServiceAccount must be named.
        [`${role}.serviceAccount.create=false`, `at '/${role}/serviceAccount/name'`],
        [`${role}.resources.request.cpu=1`, extra(`/${role}/resources`, 'request')],
        [`${role}.priorityClassName=Not_A_Name`, `at '/${role}/priorityClassName'`],
      );
    }
    for (const [set, where] of refused) {
      const lint = await failure('lint', CHART, '--strict', '--set', set);
      if (!where) {
        expect(lint, `${set} is valid`).toBe('');
        continue;
      }
      expect(lint, set).toContain(where);
      expect(await failure('template', RELEASE, CHART, '--set', set), set).toContain(where);
    }
    const existing = ['director.serviceAccount.create=false', 'director.serviceAccount.name=ops'];
    expect(await failure('lint', CHART, '--strict', ...existing.flatMap((s) => ['--set', s]))).toBe('');
  });
  it('installs with helm over CRDs applied before once they are adopted, and keeps them on uninstall', async (ctx) => {
    if (!tools) ctx.skip();
    const ns = 'chart-release';
    const release = 'rel';
    const crdNames = ['vrrpgroups.lvs.io', 'virtualservers.lvs.io', 'realservers.lvs.io'];
    const install = () => failure('install', release, CHART, '--namespace', ns, '--kubeconfig', kubeconfigPath);
    await kubectl('create', 'namespace', ns);
    // The CRDs of this API server were applied with kubectl, as the chart's crds/ folder did.
    expect(await install()).toMatch(/CustomResourceDefinition "\w+\.lvs\.io" .*invalid ownership metadata/);
    try {
      // The adoption of docs/kubernetes.md.
      for (const crd of crdNames) {
        await kubectl('label', 'crd', crd, 'app.kubernetes.io/managed-by=Helm', '--overwrite');
        await kubectl(
          'annotate',
          'crd',
          crd,
          `meta.helm.sh/release-name=${release}`,
          `meta.helm.sh/release-namespace=${ns}`,
          '--overwrite',
        );
      }
      expect(await install()).toBe('');
      const { stdout: ds } = await kubectl('get', 'daemonset', '-n', ns, '-o', 'name');
      expect(ds.split('\n').filter(Boolean).sort()).toEqual([
        `daemonset.apps/${release}-lvs-operator-director`,
        `daemonset.apps/${release}-lvs-operator-realserver`,
      ]);
      const { stdout: policy } = await kubectl(
        'get',
        'crd',
        'virtualservers.lvs.io',
        '-o',
        'jsonpath={.metadata.annotations.helm\\.sh/resource-policy}',
      );
      expect(policy).toBe('keep');
      await helm('uninstall', release, '--namespace', ns, '--kubeconfig', kubeconfigPath);
      const { stdout: left } = await kubectl('get', 'daemonset', '-n', ns, '-o', 'name');
      expect(left.trim()).toBe('');
      const { stdout: crds } = await kubectl('get', 'crd', ...crdNames, '-o', 'name');
      expect(crds.split('\n').filter(Boolean)).toHaveLength(3);
    } finally {
      // Leave the shared CRDs as the other suites found them.
      for (const crd of crdNames) {
        await kubectl('label', 'crd', crd, 'app.kubernetes.io/managed-by-');
        await kubectl(
          'annotate',
          'crd',
          crd,
          'meta.helm.sh/release-name-',
          'meta.helm.sh/release-namespace-',
          'helm.sh/resource-policy-',
        );
      }
    }
  });
});
