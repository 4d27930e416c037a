/**
 * Seed 001 end to end: DR, rr, two directors running VRRP (equal priority, nopreempt, 1 s
 * adverts), backends that hold the VIP on lo with arp_ignore/arp_announce set by our
 * realserver role. The lab keeps the seed's own addresses on one segment:
 *
 *   client 10.0.0.100   dir1 10.0.0.2   dir2 10.0.0.3   web1 10.0.0.5   web2 10.0.0.6
 *   VIP 10.0.0.1/24 (VRRP, VRID 200), service 10.0.0.1:80
 *
 * The manifests are examples/seed-001-dr-loopback-arp with the VRRP interface eth1 → eth0
 * (every lab node has one interface).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../src/lab/netns-lab.js';
import { DR_PAIR_NODES, E2eLab } from './e2e-lab.js';

const VIP = '10.0.0.1';
const DIRECTORS = ['dir1', 'dir2'] as const;
const example = resolve(import.meta.dirname, '../../../examples/seed-001-dr-loopback-arp');

describe('seed 001: DR + rr + VIP on lo + arp sysctls, two VRRP directors', () => {
  let lab: E2eLab;

  beforeAll(async () => {
    lab = await E2eLab.create('lvs-e2e1-', DR_PAIR_NODES);
    for (const f of ['vrrp-group.yaml', 'virtual-server.yaml']) {
      lab.writeManifest(f, readFileSync(join(example, f), 'utf8').replaceAll('interface: eth1', 'interface: eth0'));
    }
    await lab.startDrPair();
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  it('one director takes the VIP and programs the DR service', async () => {
    const master = await lab.waitForMaster(DIRECTORS, VIP, 20_000);
    const table = await lab.ipvsadm(master, '-Ln');
    expect(table).toContain(`TCP  ${VIP}:80 rr`);
    expect(table).toMatch(/-> 10\.0\.0\.5:80\s+Route\s+1/);
    expect(table).toMatch(/-> 10\.0\.0\.6:80\s+Route\s+1/);
  });

  it('each backend holds the VIP on lo with arp_ignore=1 and arp_announce=2', async () => {
    for (const web of ['web1', 'web2']) {
      expect(await lab.lab.addresses(web, 'lo')).toContain(`${VIP}/32`);
      const sysctl = async (k: string) => (await lab.exec1(web, ['sysctl', '-n', k])).trim();
      expect(Number(await sysctl('net.ipv4.conf.all.arp_ignore'))).toBeGreaterThanOrEqual(1);
      expect(Number(await sysctl('net.ipv4.conf.all.arp_announce'))).toBeGreaterThanOrEqual(2);
    }
  });

  it('requests spread over both backends and the client resolves the VIP to the director only', async () => {
    const master = await lab.waitForMaster(DIRECTORS, VIP);
    const summary = await lab.burst('client', VIP, 80, 20);
    expect(summary).toMatchObject({ ok: 20, failed: 0, counts: { web1: 10, web2: 10 } });
    expect(await lab.lab.neighbour('client', VIP)).toBe(lab.lab.node(master).mac);
    // Ask the segment: only the master answers ARP for the VIP, never a backend.
    const arping = await lab.exec('client', ['arping', '-c', '3', '-w', '5', '-I', 'eth0', VIP]);
    const macs = new Set(
      [...arping.stdout.matchAll(/from \S+ \[?([0-9a-f:]{17})\]?/gi)].map((m) => m[1]?.toLowerCase()),
    );
    expect([...macs]).toEqual([lab.lab.node(master).mac]);
  });

  it('the master crashes (agent SIGKILLed, node off the segment): the backup takes the VIP by GARP and service resumes within 3 adverts + skew', async () => {
    const master = await lab.waitForMaster(DIRECTORS, VIP);
    const backup = DIRECTORS.find((d) => d !== master) ?? 'dir2';
    const load = await lab.traffic('client', 'load', VIP, 80, 1);
    await new Promise((r) => setTimeout(r, 1500));
    const killedAt = performance.now();
    await lab.crash(master);
    await waitFor(async () => (await lab.holders([backup], VIP)).length === 1, {
      what: `${backup} holds the VIP`,
      timeoutMs: 15_000,
      intervalMs: 50,
    });
    const tookOverMs = performance.now() - killedAt;
    await waitFor(async () => (await lab.lab.neighbour('client', VIP)) === lab.lab.node(backup).mac, {
      what: 'client neighbour entry moved to the new master',
      timeoutMs: 10_000,
    });
    await new Promise((r) => setTimeout(r, 1500));
    const s = await load.stop();
    console.log(
      `seed 001 failover: VIP on ${backup} after ${Math.round(tookOverMs)} ms; traffic gap ${s.maxGapMs} ms, ${s.ok} ok, ${s.failed} failed`,
    );
    // Master_Down_Interval = 3 x 1 s + (256 - 101)/256 s, plus polling and process start slack.
    expect(tookOverMs).toBeLessThan(3 * 1000 + 606 + 1000);
    expect(s.maxGapMs).toBeLessThan(3 * 1000 + 606 + 3000);
    const after = await lab.burst('client', VIP, 80, 10);
    expect(after).toMatchObject({ ok: 10, failed: 0 });
  });

  it('the killed director restarts: its stale VIP goes, it stays backup (nopreempt)', async () => {
    const node = DIRECTORS.find((d) => !lab.hasAgent(d)) ?? 'dir1';
    const other = DIRECTORS.find((d) => d !== node) ?? 'dir2';
    await lab.revive(node);
    await lab.startAgent(node, 'director');
    await waitFor(async () => (await lab.holders(DIRECTORS, VIP)).join() === other, {
      what: `only ${other} holds the VIP`,
      timeoutMs: 15_000,
    });
    const s = await lab.burst('client', VIP, 80, 10);
    expect(s).toMatchObject({ ok: 10, failed: 0 });
    expect(await lab.lab.neighbour('client', VIP)).toBe(lab.lab.node(other).mac);
  });
});
