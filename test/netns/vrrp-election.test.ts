/**
 * Our speaker and keepalived 2.2.7 elect the right master in every combination the RFC and
 * keepalived define: v2 PASS and v3, higher/lower/equal priority, multicast and unicast,
 * nopreempt and preempt_delay. Judged by where the VIP is (`ip addr`) and by a client's
 * neighbour entry, which only the new master's gratuitous ARP can have set.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { NetnsLab, waitFor } from '../support/netns.js';
import { describeAsRoot } from '../support/privileges.js';
import {
  clearVips,
  holders,
  startKeepalived,
  startOurs,
  waitForHolder,
  type Peer,
  type PeerOptions,
} from './vrrp-peers.js';

const NODES = ['a', 'b'];

describeAsRoot('VRRP election against keepalived 2.2.7', () => {
  let lab: NetnsLab;
  let peers: Peer[] = [];
  let vips: string[] = [];

  beforeAll(async () => {
    lab = await NetnsLab.create('lvs-vrrp-');
    await lab.addNode('a', { ipv4: '10.77.0.1/24' });
    await lab.addNode('b', { ipv4: '10.77.0.2/24' });
    await lab.addNode('client', { ipv4: '10.77.0.9/24' });
    // Let gratuitous ARP create neighbour entries, so the client's table shows who announced.
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

  function ours(node: string, o: PeerOptions): Peer {
    const p = startOurs(lab, node, o);
    peers.push(p);
    vips = [...o.vips];
    return p;
  }

  function keepalived(node: string, o: PeerOptions): Peer {
    const p = startKeepalived(lab, node, o);
    peers.push(p);
    vips = [...o.vips];
    return p;
  }

  /** The VIP is on `node` only and the client's neighbour entry points at its MAC. */
  async function expectMaster(node: string, vip: string): Promise<void> {
    await waitForHolder(lab, NODES, vip, node);
    const mac = lab.node(node).mac;
    await waitFor(async () => (await lab.neighbour('client', vip)) === mac, {
      what: `client neighbour ${vip} → ${mac}`,
      timeoutMs: 5000,
    });
  }

  const v2 = { version: 2 as const, advertIntervalMs: 1000, password: 'secret1', preempt: true };
  const v3 = { version: 3 as const, advertIntervalMs: 100, preempt: true };

  it.each([
    { name: 'v2 PASS, ours higher', o: v2, ours: 150, ka: 100, winner: 'ours' },
    { name: 'v2 PASS, ours lower', o: v2, ours: 100, ka: 150, winner: 'keepalived' },
    { name: 'v3, ours higher', o: v3, ours: 150, ka: 100, winner: 'ours' },
    { name: 'v3, ours lower', o: v3, ours: 100, ka: 150, winner: 'keepalived' },
  ])('$name: $winner is master', async ({ o, ours: po, ka, winner }) => {
    const vrid = o.version === 2 ? 11 : 12;
    const vip = `10.77.0.${vrid + 100}`;
    const common = { ...o, vrid, vips: [`${vip}/32`] };
    ours('a', { ...common, priority: po });
    keepalived('b', { ...common, priority: ka });
    await expectMaster(winner === 'ours' ? 'a' : 'b', vip);
  });

  /**
   * RFC 5798 §6.4.2 keeps a backup in Backup on an equal priority advert, so the tie-break on
   * the primary address (§6.4.3) decides only between two masters: partition the pair until both
   * hold the VIP, then heal the link.
   */
  it.each([
    { name: 'v3, ours has the higher address', o: v3, oursNode: 'b', vrid: 13, unicast: false },
    { name: 'v3, keepalived has the higher address', o: v3, oursNode: 'a', vrid: 13, unicast: false },
    { name: 'v2 PASS, ours has the higher address', o: v2, oursNode: 'b', vrid: 14, unicast: false },
    { name: 'v2 PASS, keepalived has the higher address', o: v2, oursNode: 'a', vrid: 14, unicast: false },
    { name: 'v3 unicast, ours has the higher address', o: v3, oursNode: 'b', vrid: 19, unicast: true },
    { name: 'v3 unicast, keepalived has the higher address', o: v3, oursNode: 'a', vrid: 19, unicast: true },
  ])(
    'equal priority, $name: after a partition heals the higher address wins',
    async ({ o, oursNode, vrid, unicast }) => {
      const vip = `10.77.0.${100 + vrid}`;
      const common = { ...o, vrid, priority: 100, vips: [`${vip}/32`] };
      const peerOf = (node: string) =>
        unicast
          ? node === 'a'
            ? { unicastSrc: '10.77.0.1', unicastPeers: ['10.77.0.2'] }
            : { unicastSrc: '10.77.0.2', unicastPeers: ['10.77.0.1'] }
          : {};
      const kaNode = oursNode === 'a' ? 'b' : 'a';
      await lab.setLoss('a', 1);
      try {
        ours(oursNode, { ...common, ...peerOf(oursNode) });
        keepalived(kaNode, { ...common, ...peerOf(kaNode) });
        await waitFor(async () => (await holders(lab, NODES, vip)).length === 2, {
          what: 'both masters',
          timeoutMs: 10_000,
        });
      } finally {
        await lab.setLoss('a', 0);
      }
      await expectMaster('b', vip);
      // Stable afterwards: no flapping.
      for (let i = 0; i < 10; i++) expect(await holders(lab, NODES, vip)).toEqual(['b']);
    },
  );

  it.each([
    { name: 'v3, ours higher', o: v3, ours: 150, ka: 100, winner: 'a' },
    { name: 'v3, ours lower', o: v3, ours: 100, ka: 150, winner: 'b' },
    { name: 'v2 PASS, ours higher', o: v2, ours: 150, ka: 100, winner: 'a' },
    { name: 'v2 PASS, ours lower', o: v2, ours: 100, ka: 150, winner: 'b' },
  ])('unicast peers, $name', async ({ o, ours: po, ka, winner }) => {
    const vrid = o.version === 2 ? 16 : 15;
    const vip = `10.77.0.${100 + vrid}`;
    const common = { ...o, vrid, vips: [`${vip}/32`] };
    ours('a', { ...common, priority: po, unicastSrc: '10.77.0.1', unicastPeers: ['10.77.0.2'] });
    keepalived('b', { ...common, priority: ka, unicastSrc: '10.77.0.2', unicastPeers: ['10.77.0.1'] });
    await expectMaster(winner, vip);
  });

  it.each([
    { name: 'v3, keepalived master, ours higher joins', o: v3, first: 'keepalived', firstPrio: 100, secondPrio: 150 },
    { name: 'v3, ours master, keepalived higher joins', o: v3, first: 'ours', firstPrio: 100, secondPrio: 150 },
    {
      name: 'v2 PASS, keepalived master, ours higher joins',
      o: v2,
      first: 'keepalived',
      firstPrio: 100,
      secondPrio: 150,
    },
    { name: 'v2 PASS, ours master, keepalived higher joins', o: v2, first: 'ours', firstPrio: 100, secondPrio: 150 },
  ])('nopreempt on both sides: $name and stays backup', async ({ o, first, firstPrio, secondPrio }) => {
    const vip = '10.77.0.117';
    const common = { ...o, preempt: false, vrid: 17, vips: [`${vip}/32`] };
    const start = (kind: string, node: string, priority: number) =>
      kind === 'ours' ? ours(node, { ...common, priority }) : keepalived(node, { ...common, priority });
    start(first, 'a', firstPrio);
    await expectMaster('a', vip);
    start(first === 'ours' ? 'keepalived' : 'ours', 'b', secondPrio);
    // Give the newcomer more than a Master_Down_Interval: the lower priority master keeps the VIP.
    const until = performance.now() + (o.version === 2 ? 4500 : 2000);
    while (performance.now() < until) expect(await holders(lab, NODES, vip)).toEqual(['a']);
  });

  it.each([
    { name: 'ours', kind: 'ours' },
    { name: 'keepalived', kind: 'keepalived' },
  ])('preempt_delay on the higher priority newcomer ($name) delays the takeover', async ({ kind }) => {
    const vip = '10.77.0.118';
    const common = { ...v3, vrid: 18, vips: [`${vip}/32`] };
    if (kind === 'ours') keepalived('a', { ...common, priority: 100 });
    else ours('a', { ...common, priority: 100 });
    await expectMaster('a', vip);
    const t0 = performance.now();
    if (kind === 'ours') ours('b', { ...common, priority: 150, preemptDelayMs: 2000 });
    else keepalived('b', { ...common, priority: 150, preemptDelayMs: 2000 });
    await waitForHolder(lab, NODES, vip, 'b', { timeoutMs: 10_000 });
    const took = performance.now() - t0;
    // Not before the delay; at most delay + Master_Down_Interval + start-up.
    expect(took).toBeGreaterThanOrEqual(2000);
    expect(took).toBeLessThan(2000 + 361 + 1500);
  });
});
