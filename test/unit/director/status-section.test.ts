import { join } from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { ManifestObject } from '../../../src/api/index.js';
import { FakeClock } from '../../../src/core/fake-clock.js';
import { silentLogger } from '../../../src/core/logger.js';
import { Director, directorStatusSection } from '../../../src/director/index.js';
import { FakeVrrpRunner } from '../../../src/director/fake-vrrp-runner.js';
import { FakeCheckRunner } from '../../../src/health/fake-check-runner.js';
import { HealthMonitor, ProbeScheduler } from '../../../src/health/index.js';
import { FakeIpvsClient } from '../../../src/ipvs/fake-client.js';
import { IpvsReconciler, MemoryOwnershipStore } from '../../../src/ipvs/index.js';
import { buildModel } from '../../../src/model/index.js';
import { loadManifestPaths, validateManifestSet } from '../../../src/sources/index.js';

// The director's part of /status from a running Director (seed 000 on the fakes): what its
// status and the kernel table say, and never the VRRP password.

const MARKER = 'Zq7-MARKER-s3cr3t';
const examples = join(import.meta.dirname, '..', '..', '..', 'examples');

async function seed000(): Promise<ManifestObject[]> {
  const loaded = await loadManifestPaths([join(examples, 'seed-000-dr-vrrp-redirect')]);
  return validateManifestSet(loaded.documents, loaded.diagnostics).objects.map((o) => o.object);
}

describe('the director section of a running director', () => {
  it('MASTER, the table with its owner, a failed check as Down at weight 0; no password', async () => {
    const clock = new FakeClock();
    const log = silentLogger();
    const client = new FakeIpvsClient();
    const checks = new FakeCheckRunner(clock);
    const scheduler = new ProbeScheduler({ clock, run: checks.run, log, random: () => 0 });
    const vrrp = new FakeVrrpRunner();
    const ipvs = new IpvsReconciler({ client, log, clock, ownership: new MemoryOwnershipStore() });
    const director = new Director({
      node: { name: 'lvs1', labels: {} },
      log,
      registry: new Registry(),
      clock,
      vrrp,
      ipvs,
      ipvsClient: client,
      health: new HealthMonitor({ scheduler, log, wallClock: () => Date.UTC(2026, 10, 22, 10) }),
    });
    scheduler.start();
    director.start();
    const settle = async (ms: number) => {
      for (let t = 0; t < ms; t += 100) {
        clock.advance(100);
        await new Promise((r) => setImmediate(r));
      }
      await ipvs.sync();
    };
    const model = buildModel(await seed000(), (ns, name, key) =>
      `${ns}/${name}/${key}` === 'default/vi-1-auth/password' ? MARKER : undefined,
    );
    await director.setModel(model);
    vrrp.transition('default/vi-1', 'master');
    checks.set('192.168.5.111:80', { kind: 'down', reason: 'status' });
    await settle(7000);

    const section = directorStatusSection({
      node: 'lvs1',
      status: director.status(),
      table: { ok: true, services: await client.dump({ stats: true }) },
      transitionTimes: new Map([['default/vi-1', '2026-11-22T10:00:05.000Z']]),
      nowMs: clock.now(),
    });
    expect(section.vrrp).toEqual([
      {
        group: 'default/vi-1',
        vrid: 51,
        interface: 'eth0',
        state: 'MASTER',
        priority: 100,
        effectivePriority: 100,
        master: 'self',
        virtualIPs: ['192.168.105.253/32'],
        since: '2026-11-22T10:00:05.000Z',
      },
    ]);
    expect(section.ipvs).toHaveLength(1);
    expect(section.ipvs[0]).toMatchObject({
      protocol: 'TCP',
      address: '192.168.105.253',
      port: 80,
      scheduler: 'lc',
      virtualServer: 'default/example-web-servers',
    });
    expect(section.ipvs[0]?.destinations.map((d) => [d.address, d.forwarding, d.weight]).sort()).toEqual([
      ['192.168.5.111', 'Route', 0],
      ['192.168.5.112', 'Route', 1],
    ]);
    expect(section.virtualServers).toEqual([
      {
        virtualServer: 'default/example-web-servers',
        programmed: true,
        realServers: [
          expect.objectContaining({ address: '192.168.5.111', health: 'Down', weight: 0, configuredWeight: 1 }),
          expect.objectContaining({ address: '192.168.5.112', health: 'Up', weight: 1, configuredWeight: 1 }),
        ],
        draining: [],
      },
    ]);
    expect(section.virtualServers[0]?.realServers[0]?.reason).toMatch(/^status/);
    expect(JSON.stringify(section)).not.toContain(MARKER);
    await director.stop({ removeIpvs: false });
    scheduler.stop();
  });
});
