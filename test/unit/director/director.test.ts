import { join } from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { validateObject, type ManifestObject, type VirtualServer } from '../../../src/api/index.js';
import { parseVipPolicy } from '../../../src/cli/flags.js';
import { FakeClock } from '../../../src/core/fake-clock.js';
import { silentLogger } from '../../../src/core/logger.js';
import { Director, type DirectorDeps } from '../../../src/director/index.js';
import { FakeVrrpRunner } from '../../../src/director/fake-vrrp-runner.js';
import { FakeCheckRunner } from '../../../src/health/fake-check-runner.js';
import { HealthMonitor, ProbeScheduler } from '../../../src/health/index.js';
import { FakeIpvsClient } from '../../../src/ipvs/fake-client.js';
import { IpvsReconciler, MemoryOwnershipStore } from '../../../src/ipvs/index.js';
import { buildModel, type Model, type SecretResolver } from '../../../src/model/index.js';
import { loadManifestPaths, validateManifestSet } from '../../../src/sources/index.js';

const examples = join(import.meta.dirname, '..', '..', '..', 'examples');

async function load(folder: string): Promise<ManifestObject[]> {
  const loaded = await loadManifestPaths([join(examples, folder)]);
  return validateManifestSet(loaded.documents, loaded.diagnostics).objects.map((o) => o.object);
}

const resolveSecret: SecretResolver = (ns, name, key) =>
  `${ns}/${name}/${key}` === 'default/vi-1-auth/password' ? '1111' : undefined;
const modelOf = (objects: readonly ManifestObject[]): Model => buildModel(objects, resolveSecret);

function setup(extra: Partial<Pick<DirectorDeps, 'vipPolicy'>> = {}) {
  const clock = new FakeClock();
  const log = silentLogger();
  const client = new FakeIpvsClient();
  const checks = new FakeCheckRunner(clock);
  const scheduler = new ProbeScheduler({ clock, run: checks.run, log, random: () => 0 });
  const vrrp = new FakeVrrpRunner();
  const ipvs = new IpvsReconciler({ client, log, clock, ownership: new MemoryOwnershipStore() });
  const health = new HealthMonitor({ scheduler, log });
  const director = new Director({
    node: { name: 'lvs01', labels: {} },
    log,
    registry: new Registry(),
    clock,
    vrrp,
    ipvs,
    ipvsClient: client,
    health,
    ...extra,
  });
  scheduler.start();
  director.start();
  /** Lets the fake clock fire due checks and the promises they resolve settle. */
  const settle = async (ms: number) => {
    for (let t = 0; t < ms; t += 100) {
      clock.advance(100);
      await new Promise((r) => setImmediate(r));
    }
    await ipvs.sync();
  };
  return { clock, client, checks, vrrp, director, settle };
}

/** Seed 000 with `status.realServerVips` on its VirtualServer, and `edit` applied to its spec. */
async function seedWithReports(
  reports: NonNullable<NonNullable<VirtualServer['status']>['realServerVips']>,
  edit: (spec: VirtualServer['spec']) => VirtualServer['spec'] = (spec) => spec,
): Promise<ManifestObject[]> {
  return (await load('seed-000-dr-vrrp-redirect')).map((o) =>
    o.kind === 'VirtualServer' ? { ...o, spec: edit(o.spec), status: { realServerVips: reports } } : o,
  );
}

/** The report of web-1's realserver role on 192.168.5.111 for the seed's VIP. */
const report111 = (configured: boolean) => ({
  node: 'web-1',
  address: '192.168.5.111',
  vip: '192.168.105.253',
  mode: 'IptablesRedirect' as const,
  configured,
  ...(configured ? {} : { message: 'REDIRECT rules unavailable' }),
});

/** 192.168.5.111 names its node, web-1. */
const onWeb1 = (spec: VirtualServer['spec']): VirtualServer['spec'] => ({
  ...spec,
  realServers: (spec.realServers ?? []).map((r) => (r.address === '192.168.5.111' ? { ...r, node: 'web-1' } : r)),
});

const SEED_VS = { kind: 'VirtualServer', namespace: 'default', name: 'example-web-servers' } as const;

const weights = async (client: FakeIpvsClient) =>
  (await client.dump()).flatMap((s) => s.destinations.map((d) => `${d.key.address}=${d.weight}`)).sort();

describe('Director', () => {
  it('runs seed 000: VRRP instance set, IPVS table programmed, a failing health page inhibits the server', async () => {
    const { client, checks, vrrp, director, settle } = setup();
    await director.setModel(modelOf(await load('seed-000-dr-vrrp-redirect')));
    expect(vrrp.sets.at(-1)?.map((c) => [c.name, c.vrid])).toEqual([['default/vi-1', 51]]);
    await settle(100);
    expect(await weights(client)).toEqual(['192.168.5.111=1', '192.168.5.112=1']);

    checks.set('192.168.5.111:80', { kind: 'down', reason: 'status' });
    // keepalived: delay_loop 3 s, retry 1, delay_before_retry 3 s: down within 3 + 3 s.
    await settle(7000);
    expect(await weights(client)).toEqual(['192.168.5.111=0', '192.168.5.112=1']);

    checks.set('192.168.5.111:80', { kind: 'up' });
    await settle(3500);
    expect(await weights(client)).toEqual(['192.168.5.111=1', '192.168.5.112=1']);
  });

  it('programOn: Master follows VRRP transitions', async () => {
    const { client, vrrp, director, settle } = setup();
    const objects = (await load('seed-000-dr-vrrp-redirect')).map((o) =>
      o.kind === 'VirtualServer' ? { ...o, spec: { ...o.spec, programOn: 'Master' as const } } : o,
    );
    await director.setModel(modelOf(objects));
    await settle(100);
    expect(await client.dump()).toEqual([]);
    vrrp.transition('default/vi-1', 'master');
    await settle(100);
    expect(await client.dump()).toHaveLength(1);
    vrrp.transition('default/vi-1', 'backup');
    await settle(100);
    expect(await client.dump()).toEqual([]);
  });

  it('the connection sync daemon follows VRRP: backup, then master', async () => {
    const { client, vrrp, director, settle } = setup();
    const objects = (await load('seed-000-dr-vrrp-redirect')).map((o) =>
      o.kind === 'VrrpGroup' ? { ...o, spec: { ...o.spec, connectionSync: { enabled: true } } } : o,
    );
    await director.setModel(modelOf(objects));
    await settle(100);
    expect((await client.daemons()).map((d) => [d.state, d.mcastInterface, d.syncId])).toEqual([
      ['backup', 'eth0', 51],
    ]);
    vrrp.transition('default/vi-1', 'master');
    await settle(100);
    expect((await client.daemons()).map((d) => d.state)).toEqual(['master']);
  });

  it('a VIP already on the node and not added by it is a VipConflict issue on its VrrpGroup', async () => {
    const { vrrp, director } = setup();
    await director.setModel(modelOf(await load('seed-000-dr-vrrp-redirect')));
    vrrp.vipConflicts = [{ instance: 'default/vi-1', vrid: 51, iface: 'eth0', address: '192.168.105.253' }];
    expect(director.status().groups.map((g) => [g.ref, g.vipConflicts])).toEqual([
      ['default/vi-1', ['192.168.105.253']],
    ]);
    expect(director.status().issues).toEqual([
      {
        object: { kind: 'VrrpGroup', namespace: 'default', name: 'vi-1' },
        path: ['spec', 'virtualIPs', 0, 'address'],
        message:
          '192.168.105.253 is already on eth0 of node lvs01 and was not added by lvs-operator (an address of the ' +
          'node itself?): it is left alone, never added or removed; use a free address',
        transient: false,
        reason: 'VipConflict',
      },
    ]);
  });

  it('a VIP in the deny list leaves its objects out with a VipDenied issue; the rest runs', async () => {
    const { vrrp, director } = setup({ vipPolicy: parseVipPolicy({ allowVip: [], denyVip: ['192.168.105.0/24'] }) });
    await director.setModel(modelOf(await load('seed-000-dr-vrrp-redirect')));
    expect(vrrp.sets.at(-1)).toEqual([]);
    expect(
      director
        .status()
        .issues.filter((i) => i.reason === 'VipDenied')
        .map((i) => [i.object.kind, i.object.namespace, i.object.name]),
    ).toEqual([
      ['VrrpGroup', 'default', 'vi-1'],
      ['VirtualServer', 'default', 'example-web-servers'],
    ]);
  });

  it('graceful stop hands VRRP over and keeps the IPVS table for the next run to adopt', async () => {
    const { client, vrrp, director, settle } = setup();
    await director.setModel(modelOf(await load('seed-000-dr-vrrp-redirect')));
    await settle(100);
    await director.stop({ removeIpvs: false });
    expect(vrrp.stopped).toBe(true);
    expect(await client.dump()).toHaveLength(1);
  });

  it('graceful stop: while VRRP hands over, the master keeps its service, its sync daemon and its health checks', async () => {
    const { client, checks, vrrp, director, settle } = setup();
    const objects = (await load('seed-000-dr-vrrp-redirect')).map((o) =>
      o.kind === 'VirtualServer'
        ? { ...o, spec: { ...o.spec, programOn: 'Master' as const } }
        : o.kind === 'VrrpGroup'
          ? { ...o, spec: { ...o.spec, connectionSync: { enabled: true } } }
          : o,
    );
    await director.setModel(modelOf(objects));
    vrrp.transition('default/vi-1', 'master');
    await settle(100);
    expect(await weights(client)).toEqual(['192.168.5.111=1', '192.168.5.112=1']);

    vrrp.holdStop = true;
    let stopped = false;
    const stopping = director.stop({ removeIpvs: false }).then(() => (stopped = true));
    // The handover window: health still moves weights, the service and the daemon stay.
    checks.set('192.168.5.111:80', { kind: 'down', reason: 'status' });
    await settle(7000);
    expect(stopped).toBe(false);
    expect(await weights(client)).toEqual(['192.168.5.111=0', '192.168.5.112=1']);
    expect((await client.daemons()).map((d) => d.state)).toEqual(['master']);

    // Released: the instance leaves MASTER, and nothing follows it any more; the table and the
    // daemon stay for the next run to adopt and switch.
    vrrp.releaseStop();
    await stopping;
    await settle(100);
    expect(await client.dump()).toHaveLength(1);
    expect((await client.daemons()).map((d) => d.state)).toEqual(['master']);
  });

  it('a failed server without inhibitOnFailure drains: weight 0 while it has connections, deleted once idle', async () => {
    const { client, checks, director, settle } = setup();
    const objects = (await load('seed-000-dr-vrrp-redirect')).map((o) =>
      o.kind === 'VirtualServer'
        ? {
            ...o,
            spec: {
              ...o.spec,
              realServers: (o.spec.realServers ?? []).map((r) => ({ ...r, inhibitOnFailure: false })),
            },
          }
        : o,
    );
    await director.setModel(modelOf(objects));
    await settle(100);
    const [service] = await client.dump();
    if (!service) throw new Error('no service programmed');
    const id = `tcp|${service.key.kind === 'addr' ? service.key.address : ''}|80>192.168.5.111|80`;
    client.connections.set(id, { active: 2, inactive: 1 });
    checks.set('192.168.5.111:80', { kind: 'down', reason: 'status' });
    await settle(7000);
    expect(await weights(client)).toEqual(['192.168.5.111=0', '192.168.5.112=1']);
    expect(director.status().services[0]?.draining).toEqual([
      { address: '192.168.5.111', port: 80, activeConns: 2, inactiveConns: 1, sinceMs: expect.any(Number) as number },
    ]);
    client.connections.delete(id);
    await settle(1100);
    expect(await weights(client)).toEqual(['192.168.5.112=1']);
    expect(director.status().services[0]?.draining).toEqual([]);
  });

  it('removing the VirtualServer removes its service; a foreign service stays', async () => {
    const { client, director, settle } = setup();
    await client.apply([
      {
        op: 'addService',
        service: {
          key: { kind: 'addr', af: 'inet', protocol: 'tcp', address: '10.9.9.9', port: 53 },
          scheduler: 'rr',
          flags: 0,
          timeoutMs: 0,
          netmask: 0xffffffff,
          peName: '',
        },
      },
    ]);
    const objects = await load('seed-000-dr-vrrp-redirect');
    await director.setModel(modelOf(objects));
    await settle(100);
    expect(await client.dump()).toHaveLength(2);
    await director.setModel(modelOf(objects.filter((o) => o.kind !== 'VirtualServer')));
    await settle(100);
    expect((await client.dump()).map((s) => (s.key.kind === 'addr' ? s.key.address : ''))).toEqual(['10.9.9.9']);
  });
  it('a VirtualServer whose IPVS service another tool owns: left untouched, reported apart from spec issues', async () => {
    const { client, director, settle } = setup();
    const foreign = {
      key: {
        kind: 'addr' as const,
        af: 'inet' as const,
        protocol: 'tcp' as const,
        address: '192.168.105.253',
        port: 80,
      },
      scheduler: 'rr',
      flags: 0,
      timeoutMs: 0,
      netmask: 0xffffffff,
      peName: '',
    };
    await client.apply([{ op: 'addService', service: foreign }]);
    const before = await client.dump();
    await director.setModel(modelOf(await load('seed-000-dr-vrrp-redirect')));
    await settle(100);
    expect(await client.dump()).toEqual(before);
    const status = director.status();
    expect(status.issues).toEqual([]);
    expect(status.observedIssues).toEqual([
      {
        object: { kind: 'VirtualServer', namespace: 'default', name: 'example-web-servers' },
        path: [],
        transient: true,
        reason: 'ServiceConflict',
        message:
          'IPVS service tcp 192.168.105.253:80 already exists on this node and is not in its ownership record: ' +
          'another tool (kube-proxy, ipvsadm, keepalived) owns it, so it is left untouched. Remove that service, ' +
          'or, if this node made it, adopt it with --adopt-ipvs-service',
      },
    ]);
  });

  it('a real server whose node reports it cannot accept the VIP is planned failing until the report says configured', async () => {
    const { client, director, settle } = setup();
    await director.setModel(modelOf(await seedWithReports([report111(false)])));
    await settle(100);
    // Inhibited on failure: weight 0, as a failed check would leave it.
    expect(await weights(client)).toEqual(['192.168.5.111=0', '192.168.5.112=1']);
    const why = 'VIP 192.168.105.253 not accepted on web-1: REDIRECT rules unavailable';
    expect(director.status().services[0]?.realServers.map((r) => [r.id, r.failing])).toEqual([
      ['192.168.5.111:80', why],
      ['192.168.5.112:80', undefined],
    ]);
    expect(director.status().issues).toEqual([
      {
        object: SEED_VS,
        path: [],
        message: `real server 192.168.5.111:80 failing: ${why}`,
        transient: true,
        reason: 'VipNotAccepted',
      },
    ]);

    await director.setModel(modelOf(await seedWithReports([report111(true)])));
    await settle(100);
    expect(await weights(client)).toEqual(['192.168.5.111=1', '192.168.5.112=1']);
    expect(director.status().issues).toEqual([]);
    expect(director.status().services[0]?.realServers.every((r) => r.failing === undefined)).toBe(true);
  });

  it('a selected RealServer whose status.vips says not configured takes no traffic', async () => {
    const { client, director, settle } = setup();
    const parsed = validateObject({
      apiVersion: 'lvs.io/v1alpha1',
      kind: 'RealServer',
      metadata: { name: 'web3', namespace: 'default', labels: { app: 'web' } },
      spec: { address: '192.168.5.113', port: 80, inhibitOnFailure: true },
      status: { vips: [{ vip: '192.168.105.253', mode: 'Loopback', configured: false, message: 'device lo is down' }] },
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    const objects = (
      await seedWithReports([], (spec) => ({ ...spec, realServerSelector: { matchLabels: { app: 'web' } } }))
    ).concat(parsed.object);
    await director.setModel(modelOf(objects));
    await settle(100);
    expect(await weights(client)).toEqual(['192.168.5.111=1', '192.168.5.112=1', '192.168.5.113=0']);
    expect(director.status().services[0]?.realServers.at(-1)).toMatchObject({
      id: '192.168.5.113:80',
      realServer: { kind: 'RealServer', namespace: 'default', name: 'web3' },
      failing: 'VIP 192.168.105.253 not accepted: device lo is down',
    });
    expect(director.status().issues.map((i) => [i.object, i.reason, i.message])).toEqual([
      [
        SEED_VS,
        'VipNotAccepted',
        'real server 192.168.5.113:80 failing: VIP 192.168.105.253 not accepted: device lo is down',
      ],
    ]);
  });

  it('a real server that names its node and gets no VIP report fails when the 30 s grace ends, and recovers with the report', async () => {
    const { client, director, settle } = setup();
    await director.setModel(modelOf(await seedWithReports([], onWeb1)));
    await settle(100);
    expect(await weights(client)).toEqual(['192.168.5.111=1', '192.168.5.112=1']);
    // Just before the deadline: still in, no issue.
    await settle(29_800);
    expect(await weights(client)).toEqual(['192.168.5.111=1', '192.168.5.112=1']);
    expect(director.status().issues).toEqual([]);
    // The grace timer fires on the clock: no new objects are needed to fail it.
    await settle(200);
    expect(await weights(client)).toEqual(['192.168.5.111=0', '192.168.5.112=1']);
    expect(director.status().issues).toEqual([
      {
        object: SEED_VS,
        path: [],
        message:
          'real server 192.168.5.111:80 failing: no report for VIP 192.168.105.253 from the realserver role of node web-1 after 30 s',
        transient: true,
        reason: 'VipNotAccepted',
      },
    ]);

    await director.setModel(modelOf(await seedWithReports([report111(true)], onWeb1)));
    await settle(100);
    expect(await weights(client)).toEqual(['192.168.5.111=1', '192.168.5.112=1']);
    expect(director.status().issues).toEqual([]);
  });

  it('the grace period counts from when the server was first planned, not from the last set of objects', async () => {
    const { client, director, settle } = setup();
    await director.setModel(modelOf(await seedWithReports([], onWeb1)));
    await settle(20_000);
    // A new set of objects without a report does not restart the grace period.
    await director.setModel(modelOf(await seedWithReports([], onWeb1)));
    await settle(10_100);
    expect(await weights(client)).toEqual(['192.168.5.111=0', '192.168.5.112=1']);
    expect(director.status().issues.map((i) => i.reason)).toEqual(['VipNotAccepted']);
  });
});
