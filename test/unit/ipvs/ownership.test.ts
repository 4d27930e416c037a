import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/fake-clock.js';
import { silentLogger } from '../../../src/core/logger.js';
import { FakeIpvsClient } from '../../../src/ipvs/fake-client.js';
import { IpvsMetrics } from '../../../src/ipvs/metrics.js';
import { DirectoryOwnershipStore } from '../../../src/ipvs/ownership-dir.js';
import { MemoryOwnershipStore, type OwnershipStore } from '../../../src/ipvs/ownership.js';
import { IpvsReconciler } from '../../../src/ipvs/reconciler.js';
import { nodeRecordFs, type RecordFs } from '../../../src/ipvs/record-fs.js';
import type { DesiredService, ServiceKey } from '../../../src/ipvs/types.js';

const key = (address: string, port = 80): ServiceKey => ({ kind: 'addr', af: 'inet', protocol: 'tcp', address, port });
const svc = (address: string, dests: string[], scheduler = 'wlc', port = 80): DesiredService => ({
  key: key(address, port),
  scheduler,
  flags: 0,
  timeoutMs: 0,
  netmask: 0xffffffff,
  peName: '',
  destinations: dests.map((a) => ({
    key: { af: 'inet', address: a, port },
    forwarding: 'masq',
    weight: 1,
    upperThreshold: 0,
    lowerThreshold: 0,
    tunnelType: 'ipip',
    tunnelPort: 0,
    tunnelFlags: 0,
  })),
});
/** kube-proxy's service for the API server, made by someone else. */
const KUBE_API = svc('10.96.0.1', ['172.18.0.2', '172.18.0.3'], 'rr', 443);

function setup(client: FakeIpvsClient, ownership: OwnershipStore, adopt: ServiceKey[] = []) {
  const registry = new Registry();
  const clock = new FakeClock();
  const r = new IpvsReconciler({
    client,
    log: silentLogger(),
    clock,
    ownership,
    adopt,
    metrics: new IpvsMetrics(registry),
    drain: { drainMs: 0, deleteWhenIdle: true, udpImmediate: true },
    wallNowMs: () => 0,
  });
  return { r, registry, clock };
}

async function foreignClient(): Promise<FakeIpvsClient> {
  const client = new FakeIpvsClient();
  const { destinations, ...service } = KUBE_API;
  await client.apply([
    { op: 'addService', service },
    ...destinations.map((d) => ({ op: 'addDestination' as const, service: KUBE_API.key, destination: d })),
  ]);
  client.opLog.length = 0;
  return client;
}

describe('IpvsReconciler ownership: a service it did not create is never touched', () => {
  it('a desired service another tool owns is a conflict: no write of any kind, reported, and kept after removal', async () => {
    const client = await foreignClient();
    const before = await client.dump();
    const { r, registry } = setup(client, new MemoryOwnershipStore());
    const report = await r.setDesired([svc('10.96.0.1', ['10.0.0.9'], 'wlc', 443), svc('192.0.2.1', ['10.0.0.1'])]);
    expect(report.failed).toEqual([]);
    const after = await client.dump();
    expect(after.find((s) => s.key.kind === 'addr' && s.key.address === '10.96.0.1')).toEqual(before[0]);
    expect(client.opLog.filter((o) => JSON.stringify(o).includes('10.96.0.1'))).toEqual([]);
    expect(r.conflicts()).toEqual([{ reason: 'foreign', key: KUBE_API.key }]);
    expect(await registry.metrics()).toContain('lvs_ipvs_conflicts{service="tcp 10.96.0.1:443",reason="foreign"} 1');
    // The fast path as well: a changed desired version of it is still not written.
    await r.changeDesired([svc('10.96.0.1', ['10.0.0.8'], 'sh', 443), svc('192.0.2.1', ['10.0.0.1'])]);
    expect(client.opLog.filter((o) => JSON.stringify(o).includes('10.96.0.1'))).toEqual([]);
    // The VirtualServer goes: the foreign service stays, ours goes.
    await r.setDesired([]);
    expect(await client.dump()).toEqual(before);
    expect(r.conflicts()).toEqual([]);
    expect(await registry.metrics()).not.toContain('lvs_ipvs_conflicts{');
  });

  it('a service another tool creates after the last dump is not taken by the fast path (exclusive add)', async () => {
    const client = new FakeIpvsClient();
    const ownership = new MemoryOwnershipStore();
    const { r, clock } = setup(client, ownership);
    r.start();
    await r.setDesired([svc('192.0.2.1', ['10.0.0.1'])]);
    const { destinations: _kubeEndpoints, ...service } = KUBE_API;
    await client.apply([{ op: 'addService', service }]);
    const before = await client.dump();
    client.opLog.length = 0;
    const report = await r.changeDesired([svc('192.0.2.1', ['10.0.0.1']), svc('10.96.0.1', ['10.0.0.9'], 'wlc', 443)]);
    expect(report.failed.map((f) => f.error?.message)).toEqual(['ipvs addService failed: EEXIST']);
    expect(client.opLog).toEqual([{ op: 'addService', service: { ...service, scheduler: 'wlc' }, exclusive: true }]);
    expect(await client.dump()).toEqual(before);
    expect((await ownership.load()).keys).toEqual([key('192.0.2.1')]);
    clock.advance(1_000);
    await r.sync();
    expect(await client.dump()).toEqual(before);
    expect(r.conflicts()).toEqual([{ reason: 'foreign', key: KUBE_API.key }]);
    r.stop();
  });

  it('a restart adopts what the record says it created, writes nothing, and still deletes it when it goes', async () => {
    const client = await foreignClient();
    const ownership = new MemoryOwnershipStore();
    await setup(client, ownership).r.setDesired([svc('192.0.2.1', ['10.0.0.1'])]);
    const writes = client.opLog.length;
    const restarted = setup(client, ownership).r;
    const again = await restarted.setDesired([svc('192.0.2.1', ['10.0.0.1'])]);
    expect(again.results).toEqual([]);
    expect(client.opLog.length).toBe(writes);
    expect(restarted.conflicts()).toEqual([]);
    await setup(client, ownership).r.setDesired([]);
    expect((await client.dump()).map((s) => s.key)).toEqual([KUBE_API.key]);
  });

  it('--adopt-ipvs-service takes a named service into the record (the lost-record case), and only that one', async () => {
    const client = await foreignClient();
    await client.apply([{ op: 'addService', service: { ...svc('192.0.2.1', []), scheduler: 'rr' } }]);
    const ownership = new MemoryOwnershipStore();
    const { r } = setup(client, ownership, [key('192.0.2.1')]);
    await r.setDesired([svc('192.0.2.1', ['10.0.0.1']), svc('10.96.0.1', [], 'wlc', 443)]);
    expect((await client.dump()).find((s) => s.key.kind === 'addr' && s.key.address === '192.0.2.1')?.scheduler).toBe(
      'wlc',
    );
    expect(r.conflicts().map((c) => c.key)).toEqual([KUBE_API.key]);
    expect((await ownership.load()).keys).toEqual([key('192.0.2.1')]);
  });
});

describe('DirectoryOwnershipStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lvs-owned-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes one file per service atomically and reads them back; remove deletes only that one', async () => {
    const calls: string[] = [];
    const fs: RecordFs = {
      ...nodeRecordFs,
      writeSynced: (p, d) => (calls.push(`write ${p.slice(dir.length)}`), nodeRecordFs.writeSynced(p, d)),
      rename: (a, b) => (calls.push(`rename ${a.slice(dir.length)} ${b.slice(dir.length)}`), nodeRecordFs.rename(a, b)),
      syncDir: (p) => (calls.push(`syncDir ${p.slice(dir.length)}`), nodeRecordFs.syncDir(p)),
    };
    const store = new DirectoryOwnershipStore({ dir: join(dir, 'rec'), fs });
    await store.add(key('192.0.2.1'));
    await store.add({ kind: 'fwmark', af: 'inet6', fwmark: 7 });
    expect(calls.slice(0, 3)).toEqual([
      'write /rec/tcp-192.0.2.1-80.json.tmp',
      'rename /rec/tcp-192.0.2.1-80.json.tmp /rec/tcp-192.0.2.1-80.json',
      'syncDir /rec',
    ]);
    expect(readdirSync(join(dir, 'rec')).sort()).toEqual(['fwmark-inet6-7.json', 'tcp-192.0.2.1-80.json']);
    await store.remove(key('192.0.2.1'));
    await store.remove(key('192.0.2.1'));
    expect(await store.load()).toEqual({ keys: [{ kind: 'fwmark', af: 'inet6', fwmark: 7 }], unproven: [] });
  });

  it('migrates the single-file record of earlier versions', async () => {
    writeFileSync(join(dir, 'rec.json'), JSON.stringify({ services: [key('192.0.2.1')] }));
    const store = new DirectoryOwnershipStore({ dir: join(dir, 'rec') });
    expect((await store.load()).keys).toEqual([key('192.0.2.1')]);
    expect(readdirSync(dir).sort()).toEqual(['rec']);
    expect((await store.load()).keys).toEqual([key('192.0.2.1')]);
  });

  const entry = (k: ServiceKey) => JSON.stringify({ version: 1, key: k });
  it.each([
    { name: 'empty (a write cut short)', text: '', detail: 'empty entry' },
    { name: 'truncated JSON', text: entry(key('192.0.2.1')).slice(0, 20), detail: 'entry is not JSON' },
    { name: 'not an object', text: '[]', detail: 'entry has no "version": 1' },
    { name: 'no version', text: JSON.stringify({ key: key('192.0.2.1') }), detail: 'entry has no "version": 1' },
    {
      name: 'bad protocol',
      text: entry({ ...key('192.0.2.1'), protocol: 'icmp' } as never),
      detail: 'entry holds no valid service key',
    },
    { name: 'port out of range', text: entry(key('192.0.2.1', 70000)), detail: 'entry holds no valid service key' },
    { name: 'address not canonical', text: entry(key('192.000.2.1')), detail: 'entry holds no valid service key' },
    {
      name: 'another service than its name',
      text: entry(key('192.0.2.2')),
      detail: 'entry holds tcp 192.0.2.2:80, not the service its name says',
    },
    { name: 'oversized', text: ' '.repeat(5000) + entry(key('192.0.2.1')), detail: 'entry larger than 4096 bytes' },
  ])(
    'a corrupt entry ($name) is kept aside, reported with its path, and costs only its own service',
    async ({ text, detail }) => {
      const rec = join(dir, 'rec');
      const store = new DirectoryOwnershipStore({ dir: rec, wallNowMs: () => 1234 });
      await store.add(key('192.0.2.9'));
      writeFileSync(join(rec, 'tcp-192.0.2.1-80.json'), text);
      const snapshot = await store.load();
      expect(snapshot.keys).toEqual([key('192.0.2.9')]);
      const path = join(rec, 'tcp-192.0.2.1-80.json');
      expect(snapshot.unproven.map((u) => ({ name: u.name, keptAt: u.keptAt, message: u.error.message }))).toEqual([
        {
          name: 'tcp-192.0.2.1-80',
          keptAt: `${path}.corrupt-1234`,
          message: `ipvs ownership record read ${path} failed: ECORRUPT: ${detail}`,
        },
      ]);
      expect(readFileSync(`${path}.corrupt-1234`, 'utf8')).toBe(text);
      expect((await store.load()).unproven).toEqual([]);
    },
  );

  it('a corrupt single-file record of earlier versions (the "Unexpected end of JSON input" case) is kept aside', async () => {
    writeFileSync(join(dir, 'rec.json'), '{"services": [');
    const snapshot = await new DirectoryOwnershipStore({ dir: join(dir, 'rec'), wallNowMs: () => 5 }).load();
    expect(snapshot.keys).toEqual([]);
    expect(snapshot.unproven.map((u) => [u.error.code, u.error.path, u.keptAt])).toEqual([
      ['LVS_IPVS_RECORD', join(dir, 'rec.json'), join(dir, 'rec.json.corrupt-5')],
    ]);
  });

  it('removes temporary files of writes cut short; they never count as owned', async () => {
    mkdirSync(join(dir, 'rec'));
    writeFileSync(join(dir, 'rec', 'tcp-192.0.2.1-80.json.tmp'), entry(key('192.0.2.1')));
    expect(await new DirectoryOwnershipStore({ dir: join(dir, 'rec') }).load()).toEqual({ keys: [], unproven: [] });
    expect(readdirSync(join(dir, 'rec'))).toEqual([]);
  });

  it('readOnly: reads the same services and problems, changes no file (corrupt, temporary, legacy)', async () => {
    const rec = join(dir, 'rec');
    await new DirectoryOwnershipStore({ dir: rec }).add(key('192.0.2.9'));
    writeFileSync(join(rec, 'tcp-192.0.2.1-80.json'), '{');
    writeFileSync(join(rec, 'tcp-192.0.2.2-80.json.tmp'), entry(key('192.0.2.2')));
    writeFileSync(join(dir, 'rec.json'), JSON.stringify({ services: [key('192.0.2.3')] }));
    const before = [...readdirSync(dir), ...readdirSync(rec)].sort();
    const snapshot = await new DirectoryOwnershipStore({ dir: rec, readOnly: true }).load();
    expect(snapshot.keys.map((k) => (k.kind === 'addr' ? k.address : k.fwmark)).sort()).toEqual([
      '192.0.2.3',
      '192.0.2.9',
    ]);
    expect(snapshot.unproven.map((u) => [u.name, u.keptAt, u.error.errnoName])).toEqual([
      ['tcp-192.0.2.1-80', undefined, 'ECORRUPT'],
    ]);
    expect([...readdirSync(dir), ...readdirSync(rec)].sort()).toEqual(before);
  });
});

describe('IpvsReconciler with a bad record', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lvs-owned-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const failing = (errno: string, on: (keyof RecordFs)[]): { fs: RecordFs; healed: () => void } => {
    let broken = true;
    const fs = { ...nodeRecordFs } as Record<keyof RecordFs, (...a: never[]) => Promise<unknown>>;
    for (const name of on) {
      const real = nodeRecordFs[name] as (...a: never[]) => Promise<unknown>;
      fs[name] = (...args: never[]) =>
        broken ? Promise.reject(Object.assign(new Error(`${errno}: injected`), { code: errno })) : real(...args);
    }
    return { fs: fs as unknown as RecordFs, healed: () => (broken = false) };
  };

  it('a corrupt entry: its service is unproven, never deleted or changed, the others work', async () => {
    const client = new FakeIpvsClient();
    const rec = join(dir, 'rec');
    const first = setup(client, new DirectoryOwnershipStore({ dir: rec })).r;
    await first.setDesired([svc('192.0.2.1', ['10.0.0.1']), svc('192.0.2.2', ['10.0.0.1'])]);
    writeFileSync(join(rec, 'tcp-192.0.2.1-80.json'), '{"version":1,"key":{"kind":"addr"');
    const before = await client.dump();
    const restarted = setup(client, new DirectoryOwnershipStore({ dir: rec, wallNowMs: () => 9 })).r;
    client.opLog.length = 0;
    const report = await restarted.setDesired([svc('192.0.2.1', ['10.0.0.7'])]);
    expect(report.failed).toEqual([]);
    expect(client.opLog).toEqual([{ op: 'deleteService', key: key('192.0.2.2') }]);
    expect((await client.dump()).map((s) => s.key)).toEqual([key('192.0.2.1')]);
    expect((await client.dump())[0]).toEqual(before[0]);
    const [c] = restarted.conflicts();
    expect(c?.reason).toBe('unproven');
    expect(c && 'entry' in c ? c.entry.keptAt : undefined).toBe(join(rec, 'tcp-192.0.2.1-80.json.corrupt-9'));
    await restarted.setDesired([]);
    expect((await client.dump()).map((s) => s.key)).toEqual([key('192.0.2.1')]);
  });

  it('an unreadable record (EACCES): the pass still runs, deletes nothing, touches nothing existing, retries', async () => {
    const client = new FakeIpvsClient();
    const rec = join(dir, 'rec');
    await setup(client, new DirectoryOwnershipStore({ dir: rec })).r.setDesired([svc('192.0.2.1', ['10.0.0.1'])]);
    const { fs, healed } = failing('EACCES', ['readdir']);
    const { r, clock } = setup(client, new DirectoryOwnershipStore({ dir: rec, fs }));
    client.opLog.length = 0;
    const report = await r.setDesired([svc('192.0.2.1', ['10.0.0.2']), svc('192.0.2.3', ['10.0.0.1'])]);
    expect(report.failed).toEqual([]);
    expect(client.opLog.map((o) => o.op)).toEqual(['addService', 'addDestination']);
    expect(r.recordFault()?.message).toBe(`ipvs ownership record read ${rec} failed: EACCES: cannot list the record`);
    expect(r.conflicts().map((c) => c.reason)).toEqual(['recordUnreadable']);
    await r.setDesired([]);
    expect((await client.dump()).map((s) => s.key)).toEqual([key('192.0.2.1')]);
    healed();
    r.start();
    clock.advance(1_000);
    await r.sync();
    expect(r.recordFault()).toBeUndefined();
    expect(await client.dump()).toEqual([]);
    r.stop();
  });

  it.each(['EROFS', 'ENOSPC', 'EACCES'])(
    'an unwritable state directory (%s): the data plane goes on, the fault is reported, the record is written on retry',
    async (errno) => {
      const client = await foreignClient();
      const rec = join(dir, 'rec');
      const { fs, healed } = failing(errno, ['writeSynced']);
      const { r, registry, clock } = setup(client, new DirectoryOwnershipStore({ dir: rec, fs }));
      r.start();
      const report = await r.setDesired([svc('192.0.2.1', ['10.0.0.1'])]);
      expect(report.failed).toEqual([]);
      expect((await client.dump()).map((s) => s.key)).toEqual([KUBE_API.key, key('192.0.2.1')]);
      expect(r.recordFault()?.message).toBe(
        `ipvs ownership record write ${join(rec, 'tcp-192.0.2.1-80.json.tmp')} failed: ${errno}: cannot write the entry`,
      );
      const text = await registry.metrics();
      expect(text).toContain(`lvs_ipvs_record_errors_total{op="write",errno="${errno}"}`);
      expect(text).toContain('lvs_ipvs_record_pending 1');
      // Still owned in memory: the change goes through and nothing becomes foreign.
      await r.setDesired([svc('192.0.2.1', ['10.0.0.2'])]);
      expect(r.conflicts()).toEqual([]);
      healed();
      clock.advance(2_000);
      await r.sync();
      expect(r.recordFault()).toBeUndefined();
      expect(readdirSync(rec)).toEqual(['tcp-192.0.2.1-80.json']);
      r.stop();
      const restarted = setup(client, new DirectoryOwnershipStore({ dir: rec })).r;
      await restarted.setDesired([]);
      expect((await client.dump()).map((s) => s.key)).toEqual([KUBE_API.key]);
    },
  );
});
