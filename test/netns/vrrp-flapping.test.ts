/**
 * Three nodes (our speaker, keepalived, our speaker) and one flapping link: random loss on the
 * master's veth, then carrier flaps. Two masters may coexist only until an advert of the higher
 * priority gets through, which under this loss stays within one Master_Down_Interval; once the
 * link is back, the VIP is never on two nodes.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { NetnsLab } from '../support/netns.js';
import { describeAsRoot } from '../support/privileges.js';
import { holders, startKeepalived, startOurs, waitForHolder, type Peer } from './vrrp-peers.js';

const NODES = ['a', 'b', 'c'];
const VIP = '10.77.3.100';
/** Master_Down_Interval of the priority 100 backup at 100 ms adverts, in ms. */
const MASTER_DOWN_MS = 360.9375;
/** Sampling three namespaces with `ip -j addr` takes a few tens of ms. */
const SAMPLE_SLOP_MS = 120;

interface Episode {
  readonly start: number;
  readonly end: number;
  readonly nodes: string[];
}

/** Samples the holders for `ms`, returning every period with more than one holder. */
async function watchSplitBrain(lab: NetnsLab, ms: number): Promise<{ episodes: Episode[]; samples: number }> {
  const episodes: Episode[] = [];
  let open: { start: number; nodes: string[] } | undefined;
  let samples = 0;
  const until = performance.now() + ms;
  while (performance.now() < until) {
    const h = await holders(lab, NODES, VIP);
    const now = performance.now();
    samples++;
    if (h.length > 1 && !open) open = { start: now, nodes: h };
    if (h.length <= 1 && open) {
      episodes.push({ ...open, end: now });
      open = undefined;
    }
  }
  if (open) episodes.push({ ...open, end: performance.now() });
  return { episodes, samples };
}

describeAsRoot('three VRRP nodes, one flapping link', () => {
  let lab: NetnsLab;
  const peers: Peer[] = [];

  beforeAll(async () => {
    lab = await NetnsLab.create('lvs-vrrp-');
    await lab.addNode('a', { ipv4: '10.77.3.1/24' });
    await lab.addNode('b', { ipv4: '10.77.3.2/24' });
    await lab.addNode('c', { ipv4: '10.77.3.3/24' });
    const common = { vrid: 41, version: 3 as const, advertIntervalMs: 100, preempt: true, vips: [`${VIP}/32`] };
    peers.push(startOurs(lab, 'a', { ...common, priority: 150 }));
    peers.push(startKeepalived(lab, 'b', { ...common, priority: 100 }));
    peers.push(startOurs(lab, 'c', { ...common, priority: 50 }));
  });

  afterAll(async () => {
    await Promise.all(peers.map((p) => p.crash()));
    await lab?.destroy();
  });

  it('the master link drops everything for 600 ms at a time: two masters only until the link is back', async () => {
    await waitForHolder(lab, NODES, VIP, 'a');
    const restored: number[] = [];
    const flapper = (async () => {
      for (let i = 0; i < 5; i++) {
        await lab.setLoss('a', 1);
        await new Promise((r) => setTimeout(r, 600));
        await lab.setLoss('a', 0);
        restored.push(performance.now());
        await new Promise((r) => setTimeout(r, 900));
      }
    })();
    let result: { episodes: Episode[]; samples: number };
    try {
      result = await watchSplitBrain(lab, 7600);
    } finally {
      await flapper;
      await lab.setLoss('a', 0);
    }
    // 600 ms without adverts is more than Master_Down_Interval: b took over each time.
    expect(result.episodes.length).toBeGreaterThanOrEqual(3);
    for (const e of result.episodes) {
      // The protocol ends a split brain with the first advert of the higher priority master
      // after the link is back: within one Advertisement_Interval (+ sampling slop).
      const back = restored.find((t) => t >= e.start - SAMPLE_SLOP_MS) ?? e.start;
      expect(e.end - Math.max(back, e.start)).toBeLessThan(100 + SAMPLE_SLOP_MS);
    }
    await waitForHolder(lab, NODES, VIP, 'a', { timeoutMs: 3000 });
    const calm = await watchSplitBrain(lab, 2000);
    expect(calm.episodes).toEqual([]);
  });

  it('random loss (25 %) on the master link: split brain never outlasts Master_Down_Interval', async () => {
    await waitForHolder(lab, NODES, VIP, 'a');
    await lab.setLoss('a', 0.25);
    let result: { episodes: Episode[]; samples: number };
    try {
      result = await watchSplitBrain(lab, 5000);
    } finally {
      await lab.setLoss('a', 0);
    }
    expect(result.samples).toBeGreaterThan(50);
    for (const e of result.episodes) expect(e.end - e.start).toBeLessThan(MASTER_DOWN_MS + SAMPLE_SLOP_MS);
    await waitForHolder(lab, NODES, VIP, 'a', { timeoutMs: 3000 });
    const calm = await watchSplitBrain(lab, 2000);
    expect(calm.episodes).toEqual([]);
  });

  it('carrier flaps on the master link: FAULT releases the VIP, the master returns, never two holders after', async () => {
    await waitForHolder(lab, NODES, VIP, 'a');
    for (let i = 0; i < 3; i++) {
      await lab.setLink('a', false);
      // Link down is FAULT for our speaker: it releases the VIP, and b takes over.
      await waitForHolder(lab, NODES, VIP, 'b', { timeoutMs: 3000 });
      await lab.setLink('a', true);
      await waitForHolder(lab, NODES, VIP, 'a', { timeoutMs: 3000 });
    }
    const calm = await watchSplitBrain(lab, 2000);
    expect(calm.episodes).toEqual([]);
    expect(await holders(lab, NODES, VIP)).toEqual(['a']);
  });
});
