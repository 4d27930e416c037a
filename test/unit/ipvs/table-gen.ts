import { KERNEL_SCHEDULERS } from '../../../src/ipvs/fake-client.js';
import * as K from '../../../src/ipvs/constants.js';
import type { DesiredService, Destination, ServiceKey } from '../../../src/ipvs/types.js';

/** A small deterministic PRNG (mulberry32), so generated cases are reproducible by seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;

/** What the kernel under test schedules (Linux 6.1: every IPVS scheduler but twos). */
export const SCHEDULERS = KERNEL_SCHEDULERS;

/** A random service key from a small space, so that tables overlap. */
export function randomKey(r: () => number): ServiceKey {
  const v6 = r() < 0.25;
  if (r() < 0.15) return { kind: 'fwmark', af: v6 ? 'inet6' : 'inet', fwmark: 1 + Math.floor(r() * 20) };
  return {
    kind: 'addr',
    af: v6 ? 'inet6' : 'inet',
    protocol: pick(r, ['tcp', 'udp', 'sctp'] as const),
    address: v6 ? `2001:db8::${(1 + Math.floor(r() * 30)).toString(16)}` : `192.0.2.${1 + Math.floor(r() * 30)}`,
    port: pick(r, [53, 80, 443, 8080]),
  };
}

/** A random destination of a service: every forwarding method, tunnel type and threshold. */
export function randomDest(r: () => number, svc: ServiceKey): Destination {
  const v6 = svc.af === 'inet6' ? r() < 0.8 : r() < 0.1;
  const forwarding = v6 !== (svc.af === 'inet6') ? 'tunnel' : pick(r, ['masq', 'droute', 'tunnel', 'local'] as const);
  const tunnelType = forwarding === 'tunnel' ? pick(r, ['ipip', 'gue', 'gre'] as const) : 'ipip';
  const upper = r() < 0.3 ? Math.floor(r() * 1000) : 0;
  return {
    key: {
      af: v6 ? 'inet6' : 'inet',
      address: v6
        ? `2001:db8:1::${(1 + Math.floor(r() * 40)).toString(16)}`
        : `10.${Math.floor(r() * 3)}.${Math.floor(r() * 3)}.${1 + Math.floor(r() * 40)}`,
      port: svc.kind === 'fwmark' ? 0 : pick(r, [svc.port, 8080, 9000]),
    },
    forwarding,
    weight: Math.floor(r() * 10),
    upperThreshold: upper,
    lowerThreshold: upper > 0 ? Math.floor(r() * upper) : 0,
    tunnelType,
    tunnelPort: tunnelType === 'gue' ? 6000 + Math.floor(r() * 100) : 0,
    // ipvsadm accepts remote checksum offload for GUE only.
    tunnelFlags:
      tunnelType === 'ipip'
        ? 0
        : pick(
            r,
            tunnelType === 'gue'
              ? [0, K.IP_VS_TUNNEL_ENCAP_FLAG_CSUM, K.IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM]
              : [0, K.IP_VS_TUNNEL_ENCAP_FLAG_CSUM],
          ),
  };
}

/** A random table of up to `maxServices` services with up to `maxDests` destinations each. */
export function randomTable(r: () => number, maxServices = 8, maxDests = 5): DesiredService[] {
  const out = new Map<string, DesiredService>();
  const n = Math.floor(r() * (maxServices + 1));
  for (let i = 0; i < n; i++) {
    const key = randomKey(r);
    const id = JSON.stringify(key);
    if (out.has(id)) continue;
    const scheduler = pick(r, SCHEDULERS);
    const persistent = r() < 0.3;
    let flags = persistent ? K.IP_VS_SVC_F_PERSISTENT : 0;
    if (key.kind === 'addr' && key.protocol === 'udp' && r() < 0.3) flags |= K.IP_VS_SVC_F_ONEPACKET;
    if ((scheduler === 'sh' || scheduler === 'mh') && r() < 0.5)
      flags |= K.IP_VS_SVC_F_SCHED1 | (r() < 0.5 ? K.IP_VS_SVC_F_SCHED2 : 0);
    const dests = new Map<string, Destination>();
    const m = Math.floor(r() * (maxDests + 1));
    for (let j = 0; j < m; j++) {
      const d = randomDest(r, key);
      dests.set(`${d.key.address}|${d.key.port}`, d);
    }
    out.set(id, {
      key,
      scheduler,
      flags,
      timeoutMs: persistent ? (1 + Math.floor(r() * 600)) * 1000 : 0,
      netmask:
        key.af === 'inet' ? (persistent && r() < 0.3 ? 0xffffff00 : 0xffffffff) : persistent && r() < 0.3 ? 64 : 128,
      peName: '',
      destinations: [...dests.values()],
    });
  }
  return [...out.values()];
}
