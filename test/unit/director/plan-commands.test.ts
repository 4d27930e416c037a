import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { validateObject, type ManifestObject } from '../../../src/api/index.js';
import { FakeClock } from '../../../src/core/fake-clock.js';
import { silentLogger } from '../../../src/core/logger.js';
import { Director, planNode } from '../../../src/director/index.js';
import { FakeVrrpRunner } from '../../../src/director/fake-vrrp-runner.js';
import { FakeCheckRunner } from '../../../src/health/fake-check-runner.js';
import { HealthMonitor, ProbeScheduler } from '../../../src/health/index.js';
import { FakeIpvsClient } from '../../../src/ipvs/fake-client.js';
import { IpvsReconciler, MemoryOwnershipStore } from '../../../src/ipvs/index.js';
import { buildModel, nameKey } from '../../../src/model/index.js';
import { allowlistPolicy, ANY_COMMAND, CommandMetrics } from '../../../src/net/index.js';

const ALLOWED = '/usr/local/bin/check-db';
const policy = allowlistPolicy([ALLOWED]);
const node = { name: 'lb-1', labels: {} };
const modelOf = (objects: readonly ManifestObject[]) => buildModel(objects, () => undefined);

function parse(raw: Record<string, unknown>): ManifestObject {
  const r = validateObject(raw);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.object;
}

const objects = (): ManifestObject[] => [
  parse({
    apiVersion: 'lvs.io/v1alpha1',
    kind: 'VrrpGroup',
    metadata: { name: 'g', namespace: 'tenant' },
    spec: {
      virtualRouterId: 51,
      interface: 'eth0',
      virtualIPs: [{ address: '192.0.2.10' }],
      trackScripts: [
        { name: 'ok', command: [ALLOWED, '--quick'], weight: 10 },
        { name: 'evil', command: ['/bin/sh', '-c', 'id'], weight: 10 },
      ],
      notify: { master: ['/usr/bin/touch', '/tmp/pwned'], backup: [ALLOWED, 'backup'] },
    },
  }),
  parse({
    apiVersion: 'lvs.io/v1alpha1',
    kind: 'VirtualServer',
    metadata: { name: 'web', namespace: 'tenant' },
    spec: {
      addresses: [{ ip: '192.0.2.10', port: 80 }],
      vrrpGroupRef: { name: 'g' },
      healthChecks: [{ type: 'TCP' }, { type: 'MISC', misc: { command: ['/bin/sh', '-c', 'id'] } }],
      realServers: [
        { address: '192.0.2.21', port: 80, notify: { down: ['/bin/rm', '-rf', '/'], up: [ALLOWED, 'up'] } },
      ],
      realServerSelector: { matchLabels: { app: 'web' } },
      notify: { quorumUp: ['bash'] },
    },
  }),
  parse({
    apiVersion: 'lvs.io/v1alpha1',
    kind: 'RealServer',
    metadata: { name: 'rs-b', namespace: 'tenant', labels: { app: 'web' } },
    spec: {
      address: '192.0.2.22',
      port: 80,
      healthChecks: [{ type: 'MISC', misc: { command: ['/usr/local/bin/check-db/'] } }, { type: 'TCP' }],
      notify: { up: ['/usr/local/bin/../bin/check-db'] },
    },
  }),
];

const notAllowed = (p: string) =>
  `program "${p}" is not allowed on this director (the cluster admin allows programs with --allow-command); the command is not run`;

describe('planning with a command allowlist', () => {
  it('leaves out only the refused commands and reports each on the object that holds it', () => {
    const plan = planNode(modelOf(objects()), node, undefined, undefined, policy);
    expect(
      plan.issues.map((i) => [
        i.object.kind,
        nameKey(i.object),
        i.path.join('.'),
        i.reason,
        i.refusedCommand,
        i.message,
      ]),
    ).toEqual([
      [
        'VrrpGroup',
        'tenant/g',
        'spec.trackScripts.1.command',
        'CommandRefused',
        { kind: 'track-script', program: '/bin/sh' },
        notAllowed('/bin/sh'),
      ],
      [
        'VrrpGroup',
        'tenant/g',
        'spec.notify.master',
        'CommandRefused',
        { kind: 'notify', program: '/usr/bin/touch' },
        notAllowed('/usr/bin/touch'),
      ],
      [
        'VirtualServer',
        'tenant/web',
        'spec.healthChecks.1.misc.command',
        'CommandRefused',
        { kind: 'misc-check', program: '/bin/sh' },
        notAllowed('/bin/sh'),
      ],
      [
        'VirtualServer',
        'tenant/web',
        'spec.realServers.0.notify.down',
        'CommandRefused',
        { kind: 'notify', program: '/bin/rm' },
        notAllowed('/bin/rm'),
      ],
      [
        'VirtualServer',
        'tenant/web',
        'spec.notify.quorumUp',
        'CommandRefused',
        { kind: 'notify', program: 'bash' },
        'program "bash" is not an absolute path; the command is not run',
      ],
      [
        'RealServer',
        'tenant/rs-b',
        'spec.healthChecks.0.misc.command',
        'CommandRefused',
        { kind: 'misc-check', program: '/usr/local/bin/check-db/' },
        'program "/usr/local/bin/check-db/" is not a normalised path (no ".", "..", "//" or trailing "/"); the command is not run',
      ],
      [
        'RealServer',
        'tenant/rs-b',
        'spec.notify.up',
        'CommandRefused',
        { kind: 'notify', program: '/usr/local/bin/../bin/check-db' },
        'program "/usr/local/bin/../bin/check-db" is not a normalised path (no ".", "..", "//" or trailing "/"); the command is not run',
      ],
    ]);
    // The group still runs, with what is allowed.
    expect(plan.groups.map((g) => g.config.trackScripts.map((t) => t.name))).toEqual([['ok']]);
    expect(plan.groups[0]?.config.notify).toEqual({ backup: [ALLOWED, 'backup'] });
    // The service is planned; a refused MISC check is omitted as if absent, the TCP check stays.
    const service = plan.services[0];
    expect(service?.ref).toBe('tenant/web');
    expect(service?.notify).toBeUndefined();
    expect(service?.backends.map((b) => [b.id, b.probes.map((p) => p.type), b.notify])).toEqual([
      ['192.0.2.21:80', ['TCP'], { up: [ALLOWED, 'up'] }],
      ['192.0.2.22:80', ['TCP'], undefined],
    ]);
  });

  it('standalone (every command allowed) plans them all, with no issue', () => {
    const plan = planNode(modelOf(objects()), node, undefined, undefined, ANY_COMMAND);
    expect(plan.issues).toEqual([]);
    expect(plan.groups[0]?.config.trackScripts.map((t) => t.name)).toEqual(['ok', 'evil']);
    expect(plan.services[0]?.backends.map((b) => b.probes.map((p) => p.type))).toEqual([
      ['TCP', 'MISC'],
      ['MISC', 'TCP'],
    ]);
  });

  it('an empty allowlist refuses every command', () => {
    const plan = planNode(modelOf(objects()), node, undefined, undefined, allowlistPolicy([]));
    expect(plan.issues.filter((i) => i.reason === 'CommandRefused')).toHaveLength(10);
    expect(plan.services).toHaveLength(1);
    expect(plan.groups).toHaveLength(1);
  });

  it('a RealServer selected by two services reports each refused command once', () => {
    const second = parse({
      apiVersion: 'lvs.io/v1alpha1',
      kind: 'VirtualServer',
      metadata: { name: 'web-2', namespace: 'tenant' },
      spec: { addresses: [{ ip: '192.0.2.11', port: 80 }], realServerSelector: { matchLabels: { app: 'web' } } },
    });
    const plan = planNode(modelOf([...objects(), second]), node, undefined, undefined, policy);
    expect(plan.issues.filter((i) => i.object.kind === 'RealServer').map((i) => i.path.join('.'))).toEqual([
      'spec.healthChecks.0.misc.command',
      'spec.notify.up',
    ]);
  });
});

describe('Director with a command allowlist', () => {
  it('programs the service, counts each refusal once and logs it', async () => {
    const clock = new FakeClock();
    const log = silentLogger();
    const client = new FakeIpvsClient();
    const scheduler = new ProbeScheduler({ clock, run: new FakeCheckRunner(clock).run, log, random: () => 0 });
    const ipvs = new IpvsReconciler({ client, log, clock, ownership: new MemoryOwnershipStore() });
    const registry = new Registry();
    const director = new Director({
      node,
      log,
      registry,
      clock,
      vrrp: new FakeVrrpRunner(),
      ipvs,
      ipvsClient: client,
      health: new HealthMonitor({ scheduler, log }),
      commandPolicy: policy,
      commandMetrics: new CommandMetrics(registry),
    });
    director.start();
    await director.setModel(modelOf(objects()));
    await director.setModel(modelOf(objects()));
    expect(director.status().services.map((s) => s.ref)).toEqual(['tenant/web']);
    const text = await registry.metrics();
    expect(text).toContain('lvs_commands_refused_total{kind="misc-check"} 2');
    expect(text).toContain('lvs_commands_refused_total{kind="notify"} 4');
    expect(text).toContain('lvs_commands_refused_total{kind="track-script"} 1');
    expect(text).not.toMatch(/lvs_director_plan_issues\{[^}]*\} [1-9]/);
    await director.stop({ removeIpvs: false });
  });
});
