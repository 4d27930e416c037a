/**
 * Failover between our speaker and keepalived 2.2.7 in both directions, after `kill -9` of the
 * master (both keepalived processes) and after a graceful stop (priority 0), plus VRRPv3 over
 * IPv6. The new master must hold the VIP and the client's neighbour entry must point at it
 * (only its GARP / unsolicited NA can have done that), within the protocol's bound.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { NetnsLab, waitFor } from '../support/netns.js';
import { describeAsRoot } from '../support/privileges.js';
import {
  clearVips,
  holders,
  startKeepalived,
  startOurs,
  waitForHolder,
  type GroupSpecExtra,
  type Peer,
  type PeerOptions,
} from './vrrp-peers.js';

const NODES = ['a', 'b'];
/** Polling and process scheduling on a loaded 2-core CI machine. */
const MARGIN_MS = 250;

describeAsRoot('VRRP failover between our speaker and keepalived 2.2.7', () => {
  let lab: NetnsLab;
  let peers: Peer[] = [];
  let vips: string[] = [];

  beforeAll(async () => {
    lab = await NetnsLab.create('lvs-vrrp-');
    await lab.addNode('a', { ipv4: '10.77.1.1/24' });
    await lab.addNode('b', { ipv4: '10.77.1.2/24' });
    await lab.addNode('client', { ipv4: '10.77.1.9/24', ipv6: 'fd00::9/64' });
    await lab.exec1('client', ['sysctl', '-qw', 'net.ipv4.conf.eth0.arp_accept=1']);
  });

  afterEach(async () => {
    await Promise.all(peers.map((p) => p.crash()));
    peers = [];
    await clearVips(lab, NODES, vips);
    await lab.exec('client', ['ip', 'neigh', 'flush', 'dev', 'eth0']);
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  function start(kind: 'ours' | 'keepalived', node: string, o: PeerOptions, extra: GroupSpecExtra = {}): Peer {
    const p = kind === 'ours' ? startOurs(lab, node, o, extra) : startKeepalived(lab, node, o);
    peers.push(p);
    vips = [...o.vips];
    return p;
  }

  async function clientSees(node: string, vip: string): Promise<void> {
    const mac = lab.node(node).mac;
    await waitFor(async () => (await lab.neighbour('client', vip)) === mac, {
      what: `client neighbour ${vip} → ${node}`,
      timeoutMs: 5000,
    });
  }

  const v3 = { version: 3 as const, vrid: 21, advertIntervalMs: 100, preempt: true };
  // Master_Down_Interval of the priority 100 backup: 3 x 100 + (256 - 100) x 100 / 256.
  const crashBoundMs = 360.9375;
  const skewMs = 60.9375;

  it.each([
    { name: 'ours → keepalived', master: 'ours' as const, backup: 'keepalived' as const },
    { name: 'keepalived → ours', master: 'keepalived' as const, backup: 'ours' as const },
  ])('kill -9 of the master, $name', async ({ master, backup }) => {
    const vip = '10.77.1.100';
    const o = { ...v3, vips: [`${vip}/32`] };
    const m = start(master, 'a', { ...o, priority: 150 });
    start(backup, 'b', { ...o, priority: 100 });
    await waitForHolder(lab, NODES, vip, 'a');
    await clientSees('a', vip);
    // Past the ARP locktime (1 s) of the client's entry, so the next GARP may override it.
    await new Promise((r) => setTimeout(r, 1100));
    const t0 = performance.now();
    await m.crash();
    await waitForHolder(lab, NODES, vip, 'b', { exclusive: false, timeoutMs: 5000 });
    const took = performance.now() - t0;
    expect(took).toBeLessThan(crashBoundMs + MARGIN_MS);
    await clientSees('b', vip);
    if (master === 'ours') {
      // Restarted, our speaker first removes the VIP the crashed run left, then preempts.
      start('ours', 'a', { ...o, priority: 150 });
      await waitForHolder(lab, NODES, vip, 'a');
    }
  });

  it.each([
    { name: 'ours → keepalived', master: 'ours' as const, backup: 'keepalived' as const },
    { name: 'keepalived → ours', master: 'keepalived' as const, backup: 'ours' as const },
  ])('graceful stop of the master (priority 0), $name', async ({ master, backup }) => {
    const vip = '10.77.1.101';
    const o = { ...v3, vrid: 22, vips: [`${vip}/32`] };
    const m = start(master, 'a', { ...o, priority: 150 });
    start(backup, 'b', { ...o, priority: 100 });
    await waitForHolder(lab, NODES, vip, 'a');
    await new Promise((r) => setTimeout(r, 1100));
    const t0 = performance.now();
    const stopped = m.stop();
    // The backup takes over after Skew_Time; our stopping master keeps the VIP until it has
    // seen that (VRRP_HANDOVER_MARGIN_MS after the new master's advert), keepalived drops it
    // at once.
    await waitForHolder(lab, NODES, vip, 'b', { exclusive: false, timeoutMs: 5000 });
    const took = performance.now() - t0;
    await stopped;
    expect(took).toBeLessThan(skewMs + MARGIN_MS);
    await waitForHolder(lab, NODES, vip, 'b', { timeoutMs: 5000 });
    await clientSees('b', vip);
  });

  it('v3 backup learns the master interval: configured 1 s, keepalived master at 100 ms, crash → takeover in ~0.36 s', async () => {
    const vip = '10.77.1.103';
    const o = { ...v3, vrid: 25, vips: [`${vip}/32`] };
    const m = start('keepalived', 'a', { ...o, priority: 150 });
    start('ours', 'b', { ...o, priority: 100, advertIntervalMs: 1000 });
    await waitForHolder(lab, NODES, vip, 'a');
    await new Promise((r) => setTimeout(r, 500));
    const t0 = performance.now();
    await m.crash();
    await waitForHolder(lab, NODES, vip, 'b', { exclusive: false, timeoutMs: 5000 });
    // RFC 5798 §6.4.2: Master_Down_Interval from the learnt 100 ms, not our own 1 s (3.6 s).
    expect(performance.now() - t0).toBeLessThan(crashBoundMs + MARGIN_MS);
  });

  it('a track script with weight 0 faults our master; keepalived takes over; the script recovers and ours preempts', async () => {
    const vip = '10.77.1.104';
    const flag = `${lab.dir}/healthy`;
    writeFileSync(flag, '');
    const o = { ...v3, vrid: 26, vips: [`${vip}/32`] };
    start(
      'ours',
      'a',
      { ...o, priority: 150 },
      {
        trackScripts: [
          {
            name: 'healthy',
            command: ['test', '-e', flag],
            interval: '100ms',
            timeout: '1s',
            rise: 2,
            fall: 2,
            weight: 0,
          },
        ],
      },
    );
    start('keepalived', 'b', { ...o, priority: 100 });
    await waitForHolder(lab, NODES, vip, 'a');
    rmSync(flag);
    await waitForHolder(lab, NODES, vip, 'b', { timeoutMs: 5000 });
    writeFileSync(flag, '');
    await waitForHolder(lab, NODES, vip, 'a', { timeoutMs: 5000 });
  });

  it('graceful stop at 1 s adverts, v2 PASS, ours → keepalived: Skew_Time, not Master_Down_Interval', async () => {
    const vip = '10.77.1.102';
    const o = {
      version: 2 as const,
      vrid: 23,
      advertIntervalMs: 1000,
      preempt: true,
      password: 'pw',
      vips: [`${vip}/32`],
    };
    const m = start('ours', 'a', { ...o, priority: 150 });
    start('keepalived', 'b', { ...o, priority: 100 });
    await waitForHolder(lab, NODES, vip, 'a', { timeoutMs: 10_000 });
    const t0 = performance.now();
    const stopped = m.stop();
    await waitForHolder(lab, NODES, vip, 'b', { exclusive: false, timeoutMs: 5000 });
    expect(performance.now() - t0).toBeLessThan(609.375 + MARGIN_MS);
    // Ours keeps the VIP until keepalived's first advert as master, then 200 ms.
    await stopped;
    await waitForHolder(lab, NODES, vip, 'b', { timeoutMs: 5000 });
  });

  it.each([
    { name: 'ours higher', ours: 150, ka: 100, first: 'a', then: 'b' },
    { name: 'keepalived higher', ours: 100, ka: 150, first: 'b', then: 'a' },
  ])('VRRPv3 over IPv6, $name: election, unsolicited NA, graceful handover', async ({ ours, ka, first, then }) => {
    const vip = 'fd00::100';
    const o = { ...v3, vrid: 24, vips: [`${vip}/128`] };
    // Unsolicited NAs only update existing entries (RFC 4861 §7.2.5): plant a wrong one.
    await lab.exec1('client', [
      'ip',
      '-6',
      'neigh',
      'replace',
      vip,
      'lladdr',
      '02:de:ad:00:00:00',
      'dev',
      'eth0',
      'nud',
      'stale',
    ]);
    const byNode = new Map<string, Peer>();
    byNode.set('a', start('ours', 'a', { ...o, priority: ours }));
    byNode.set('b', start('keepalived', 'b', { ...o, priority: ka }));
    await waitForHolder(lab, NODES, vip, first);
    await clientSees(first, vip);
    await new Promise((r) => setTimeout(r, 1100));
    await byNode.get(first)?.stop();
    await waitForHolder(lab, NODES, vip, then, { timeoutMs: 5000 });
    await clientSees(then, vip);
    expect(await holders(lab, NODES, vip)).toEqual([then]);
  });
});
