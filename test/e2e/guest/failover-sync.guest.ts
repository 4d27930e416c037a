/**
 * Established connections survive a director failover: the DR pair of seed 001 with the IPVS
 * connection sync daemon following VRRP (`connectionSync`), 50 keep-alive connections through
 * the VIP each sending a request every 100 ms, and the master crashing (agent SIGKILLed, node
 * off the segment). The backup already holds every connection when it takes over, so each
 * one continues on its backend: no reset, no new socket.
 *
 * Adverts every 200 ms (VRRP v3) keep the takeover under TCP's retransmission back-off; the
 * 1 s timing of the seeds is checked in seed-000 and seed-001.
 *
 *   client 10.0.0.100   dir1 10.0.0.2   dir2 10.0.0.3   web1 10.0.0.5   web2 10.0.0.6
 *   VIP 10.0.0.1 (VRID 60), service 10.0.0.1:80 rr, DR, VIP on lo on the backends
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../src/lab/netns-lab.js';
import { DR_PAIR_NODES, DR_PAIR_VIP as VIP, drPairGroup, drPairService, E2eLab, manifest } from './e2e-lab.js';

const DIRECTORS = ['dir1', 'dir2'] as const;

const group = drPairGroup({
  virtualRouterId: 60,
  version: 3,
  advertInterval: '200ms',
  garp: { masterDelay: '1s' },
  connectionSync: { enabled: true },
});

const service = drPairService({
  realServers: ['10.0.0.5', '10.0.0.6'].map((address) => ({
    address,
    port: 80,
    acceptVIP: { mode: 'Loopback', device: 'lo' },
  })),
});

describe('connections survive a director failover (IPVS sync daemon following VRRP)', () => {
  let lab: E2eLab;

  beforeAll(async () => {
    lab = await E2eLab.create('lvs-e2es-', DR_PAIR_NODES);
    lab.writeManifest('web.yaml', manifest(group, service));
    await lab.startDrPair();
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  it('the master runs the master sync daemon and the backup the backup daemon', async () => {
    const master = await lab.waitForMaster(DIRECTORS, VIP, 20_000);
    const backup = DIRECTORS.find((d) => d !== master) ?? 'dir2';
    await waitFor(async () => (await lab.ipvsadm(master, '-L', '--daemon')).includes('master sync daemon'), {
      what: 'master sync daemon',
    });
    await waitFor(async () => (await lab.ipvsadm(backup, '-L', '--daemon')).includes('backup sync daemon'), {
      what: 'backup sync daemon',
    });
  });

  it('50 long-lived connections see no reset while the master crashes and the backup takes over', async () => {
    const master = await lab.waitForMaster(DIRECTORS, VIP);
    const backup = DIRECTORS.find((d) => d !== master) ?? 'dir2';
    const traffic = await lab.traffic('client', 'long', VIP, 80, 50, 100);
    // Every connection is up and synced to the backup before the crash.
    await waitFor(
      async () => {
        const conns = await lab.ipvsadm(backup, '-Lnc');
        return (conns.match(/ESTABLISHED/g) ?? []).length >= 50;
      },
      { what: 'the backup holds the 50 synced connections', timeoutMs: 30_000, intervalMs: 250 },
    );
    const crashedAt = performance.now();
    await lab.crash(master);
    await waitFor(async () => (await lab.holders([backup], VIP)).length === 1, {
      what: `${backup} holds the VIP`,
      timeoutMs: 15_000,
      intervalMs: 50,
    });
    const tookOverMs = performance.now() - crashedAt;
    await new Promise((r) => setTimeout(r, 5000));
    const s = await traffic.stop();
    console.log(
      `failover with connection sync: VIP on ${backup} after ${Math.round(tookOverMs)} ms; ${s.ok} requests ok, ${s.failed} failed, ${s.resets} resets, ${s.socketsReplaced} sockets replaced, longest gap ${s.maxGapMs} ms`,
    );
    expect({ failed: s.failed, resets: s.resets, socketsReplaced: s.socketsReplaced, failures: s.failures }).toEqual({
      failed: 0,
      resets: 0,
      socketsReplaced: 0,
      failures: [],
    });
    expect(s.ok).toBeGreaterThan(50 * 10);
  });
});
