/**
 * Invariants over seeded generated inputs: from any starting sysctls and any earlier desired
 * state, one pass converges (a second writes nothing), a restarted instance adopts with zero
 * writes, and removing every object gives back the node as it was.
 */
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { VirtualServer } from '../../../src/api/index.js';
import { silentLogger } from '../../../src/core/logger.js';
import { buildModel } from '../../../src/model/index.js';
import { RealserverMetrics } from '../../../src/realserver/metrics.js';
import { RealserverReconciler } from '../../../src/realserver/reconciler.js';
import { conf, confSysctls, fakeNode, vs, type FakeNode } from './fake-node.js';

/** mulberry32: a small seeded PRNG, so a failing seed can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The model of these services, as the role gets it. */
const model = (virtualServers: VirtualServer[]) => buildModel(virtualServers, () => undefined);

const VIPS = ['192.168.105.250', '192.168.105.251', '192.168.105.252', '2001:db8::250'];

function services(rand: () => number, tag: string): VirtualServer[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const count = Math.floor(rand() * 4);
  return Array.from({ length: count }, (_, i) => {
    const vip = pick(VIPS);
    const v6 = vip.includes(':');
    const mode = pick(v6 ? ['Loopback', 'IptablesRedirect'] : ['Loopback', 'IptablesRedirect', 'Tunnel']);
    const acceptVIP =
      mode === 'Loopback'
        ? { mode, device: pick(['lo', 'lo', 'lvs0', 'lvs1']) }
        : mode === 'IptablesRedirect'
          ? { mode, perPort: rand() < 0.5 }
          : { mode };
    return vs(`${tag}-${i}`, {
      addresses: [{ ip: vip, port: pick([80, 443, 8080]) }],
      protocol: pick(['TCP', 'UDP']),
      forwarding: mode === 'Tunnel' ? 'TUN' : 'DR',
      realServers: [{ address: v6 ? '2001:db8::5' : '10.0.0.5', node: 'backend-1', acceptVIP }],
    });
  });
}

function snapshot(n: FakeNode) {
  return {
    sysctls: [...n.sysctls.values].sort(),
    addresses: n.addresses.entries.map((e) => `${e.ifindex} ${e.address}/${e.prefixLength} ${e.label ?? ''}`).sort(),
    devices: n.devices.devices.map((d) => d.name).sort(),
    table: n.rules.tableExists,
  };
}

const reconciler = (n: FakeNode) =>
  new RealserverReconciler({
    nodeName: 'backend-1',
    ports: n.ports,
    log: silentLogger(),
    metrics: new RealserverMetrics(new Registry()),
  });

describe('realserver invariants over generated inputs', () => {
  it.each(Array.from({ length: 150 }, (_, i) => i + 1))('seed %i', async (seed) => {
    const rand = prng(seed);
    const initial: Record<string, number> = {};
    const sysctls = confSysctls([]);
    for (const name of ['arp_ignore', 'arp_announce', 'rp_filter'] as const) {
      initial[name] = Math.floor(rand() * 3);
      sysctls.set(conf('all', name), initial[name] ?? 0);
      sysctls.set(conf('default', name), Math.floor(rand() * 3));
    }
    sysctls.addInterface('lo');
    sysctls.addInterface('eth0');
    const n = fakeNode({ sysctls });
    if (rand() < 0.5) {
      n.addresses.entries.push({
        ifindex: 1,
        family: 4,
        address: VIPS[0] ?? '',
        prefixLength: 32,
        label: 'lo',
        secondary: true,
        scope: 0,
      });
    }
    const before = snapshot(n);
    const r = reconciler(n);
    const steps = [services(rand, 'a'), services(rand, 'b')];
    for (const step of steps) {
      const first = await r.pass(model(step));
      expect(first.failures).toEqual([]);
      expect(first.vips.filter((v) => !v.configured)).toEqual([]);
      expect((await r.pass(model(step))).writes).toBe(0);
    }
    const last = steps[steps.length - 1] ?? [];
    expect((await reconciler(n).pass(model(last))).writes).toBe(0);
    const removed = await reconciler(n).pass(model([]));
    expect(removed.failures).toEqual([]);
    expect(snapshot(n)).toEqual(before);
  });
});
