import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/core/clock.js';
import { silentLogger } from '../../../src/core/logger.js';
import type { IpvsClient } from '../../../src/ipvs/client.js';
import { formatRules } from '../../../src/ipvs/format.js';
import { createNetlinkClient } from '../../../src/ipvs/netlink-client.js';
import { DirectoryOwnershipStore } from '../../../src/ipvs/ownership-dir.js';
import { IpvsReconciler } from '../../../src/ipvs/reconciler.js';
import { idleObserved, serviceId, type DesiredService, type ObservedService } from '../../../src/ipvs/types.js';
import { randomTable, rng } from '../../unit/ipvs/table-gen.js';
import { ipvsadm, loadIpvsModules, sh } from './kernel-shell.js';

const observedOf = (t: readonly DesiredService[]): ObservedService[] => t.map(idleObserved);

/** Writable fields only, sorted: what must match between a desired and an observed service. */
const shape = (s: DesiredService | ObservedService): unknown => ({
  key: s.key,
  scheduler: s.scheduler,
  flags: s.flags,
  timeoutMs: s.timeoutMs,
  netmask: s.netmask,
  peName: s.peName,
  destinations: s.destinations
    .map((d) => ({
      key: d.key,
      forwarding: d.forwarding,
      weight: d.weight,
      upperThreshold: d.upperThreshold,
      lowerThreshold: d.lowerThreshold,
      tunnelType: d.tunnelType,
      tunnelPort: d.tunnelPort,
      tunnelFlags: d.tunnelFlags,
    }))
    .sort((a, b) => (JSON.stringify(a.key) < JSON.stringify(b.key) ? -1 : 1)),
});

describe('IpvsReconciler against the kernel', () => {
  let client: IpvsClient;
  let dir: string;
  beforeAll(async () => {
    loadIpvsModules();
    client = await createNetlinkClient({ log: silentLogger() });
    dir = mkdtempSync(join(tmpdir(), 'lvs-ipvs-reconciler-'));
  });
  afterAll(() => {
    client.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('converges from random start states in one pass, leaves foreign services, and a restart writes nothing (25 seeds)', async () => {
    for (let seed = 1; seed <= 25; seed++) {
      const r = rng(1000 + seed);
      ipvsadm('-C');
      // The start state: services made by someone else (kube-proxy, a human) with ipvsadm...
      const start = randomTable(r, 8, 4);
      sh('ipvsadm', ['-R'], formatRules(observedOf(start), true));
      // ...some of which an earlier run of ours had created (its ownership record).
      // (the single-file record of earlier versions, migrated into one file per service).
      const state = join(dir, `owned-${seed}`);
      const recorded = start.filter(() => r() < 0.4).map((s) => s.key);
      writeFileSync(`${state}.json`, JSON.stringify({ services: recorded }));
      const desired = randomTable(r, 8, 4);
      const before = await client.dump();

      const reconciler = new IpvsReconciler({
        client,
        log: silentLogger(),
        clock: systemClock,
        ownership: new DirectoryOwnershipStore({ dir: state }),
        drain: { drainMs: 0, deleteWhenIdle: true, udpImmediate: true },
      });
      const report = await reconciler.setDesired(desired);
      expect(
        report.failed.map((f) => f.error?.message),
        `seed ${seed}`,
      ).toEqual([]);

      const after = new Map((await client.dump()).map((s) => [serviceId(s.key), s]));
      // A desired service someone else already has is theirs: a conflict, left as it was.
      const recordedIds = new Set(recorded.map(serviceId));
      const foreign = new Set(before.map((s) => serviceId(s.key)).filter((id) => !recordedIds.has(id)));
      const conflicting = desired.filter((d) => foreign.has(serviceId(d.key)));
      expect(
        reconciler
          .conflicts()
          .map((c) => serviceId(c.key))
          .sort(),
        `seed ${seed}`,
      ).toEqual(conflicting.map((d) => serviceId(d.key)).sort());
      for (const want of desired) {
        if (foreign.has(serviceId(want.key))) continue;
        expect(shape(after.get(serviceId(want.key)) ?? want), `seed ${seed}`).toEqual(shape(want));
      }
      const owned = new Set(
        [...desired, ...recorded.map((key) => ({ key }))].map((s) => serviceId(s.key)).filter((id) => !foreign.has(id)),
      );
      for (const s of before) {
        const id = serviceId(s.key);
        if (owned.has(id)) continue;
        expect(after.has(id) && shape(after.get(id) as ObservedService), `seed ${seed}: foreign ${id}`).toEqual(
          shape(s),
        );
      }
      for (const k of recorded) {
        if (!desired.some((d) => serviceId(d.key) === serviceId(k))) expect(after.has(serviceId(k))).toBe(false);
      }

      // A restart: a new client and reconciler, the same desired state and ownership record.
      const again = await createNetlinkClient({ log: silentLogger() });
      try {
        const restarted = new IpvsReconciler({
          client: again,
          log: silentLogger(),
          clock: systemClock,
          ownership: new DirectoryOwnershipStore({ dir: state }),
          drain: { drainMs: 0, deleteWhenIdle: true, udpImmediate: true },
        });
        const second = await restarted.setDesired(desired);
        expect(second.results, `seed ${seed}: restart writes`).toEqual([]);
      } finally {
        again.close();
      }
    }
  });
});
