/**
 * VIP-path probes from this process's network namespace (the director), for the netns test:
 *
 *   ip netns exec NS node --import tsx test/netns/vip-path-main.ts JOB.json
 *
 * JOB is `{ probes: [{ rs, vip, port, mode, timeoutMs, encapsulation? }] }`. Runs one attempt of each through
 * the real checker (rtnetlink lookups, the native AF_PACKET prober) and prints
 * `{ results, metrics }` as JSON on stdout.
 */
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { Registry } from 'prom-client';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { HealthMetrics } from '../../src/health/metrics.js';
import type { HealthProbe, VipPathMode } from '../../src/health/types.js';
import { createVipPathChecker } from '../../src/health/vip-path-check.js';
import { NativeCaptureSockets, NativeTunnelSockets } from '../../src/net/native.js';
import { NetlinkL2Paths } from '../../src/net/netlink-l2-path.js';
import { SynProber } from '../../src/net/syn-prober.js';

interface Job {
  probes: {
    rs: string;
    vip: string;
    port: number;
    mode: VipPathMode;
    timeoutMs: number;
    encapsulation?: 'none' | 'ipip';
  }[];
}

const job = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as Job;
const registry = new Registry();
const metrics = new HealthMetrics(registry);
const paths = new NetlinkL2Paths(systemClock);
const prober = new SynProber({
  sockets: new NativeCaptureSockets(),
  tunnels: new NativeTunnelSockets(),
  clock: systemClock,
  littleEndian: endianness() === 'LE',
});
const check = createVipPathChecker({ clock: systemClock }, { paths, prober, log: silentLogger(), metrics });
const results = [];
for (const p of job.probes) {
  const probe: HealthProbe = {
    type: 'VIP_PATH',
    vip: p.vip,
    mode: p.mode,
    encapsulation: p.encapsulation ?? 'none',
    target: { ip: p.rs, family: p.rs.includes(':') ? 6 : 4, port: p.port },
    intervalMs: 1000,
    timeoutMs: p.timeoutMs,
    retry: 0,
    delayBeforeRetryMs: 1000,
    warmupMs: 0,
  };
  if (probe.type !== 'VIP_PATH') throw new Error('unreachable');
  results.push(await check(probe, new AbortController().signal));
}
prober.close();
paths.close();
process.stdout.write(JSON.stringify({ results, metrics: await registry.metrics() }));
