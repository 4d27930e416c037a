import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/logger.js';
import type { ObservedService, Stats } from '../../../src/ipvs/types.js';
import { ZERO_STATS } from '../../../src/ipvs/types.js';
import { registerIpvsTrafficMetrics } from '../../../src/ipvs/traffic-metrics.js';

const stats = (conns: number, inPkts: number, inBytes: number): Stats => ({
  ...ZERO_STATS,
  conns: BigInt(conns),
  inPkts: BigInt(inPkts),
  inBytes: BigInt(inBytes),
});

const web: ObservedService = {
  key: { kind: 'addr', af: 'inet', protocol: 'tcp', address: '10.0.0.1', port: 80 },
  scheduler: 'rr',
  flags: 0,
  timeoutMs: 0,
  netmask: 0xffffffff,
  peName: '',
  stats: stats(30, 300, 30_000),
  destinations: [
    {
      key: { af: 'inet', address: '10.0.0.5', port: 80 },
      forwarding: 'droute',
      weight: 1,
      upperThreshold: 0,
      lowerThreshold: 0,
      tunnelType: 'ipip',
      tunnelPort: 0,
      tunnelFlags: 0,
      activeConns: 4,
      inactiveConns: 11,
      persistConns: 0,
      stats: stats(20, 200, 20_000),
    },
  ],
};
const marked: ObservedService = { ...web, key: { kind: 'fwmark', af: 'inet6', fwmark: 7 }, destinations: [] };

function setup(dump: () => Promise<ObservedService[]>) {
  const registry = new Registry();
  let dumps = 0;
  registerIpvsTrafficMetrics({
    registry,
    log: silentLogger(),
    ipvs: {
      dump: () => {
        dumps += 1;
        return dump();
      },
    },
  });
  return { registry, dumps: () => dumps };
}

describe('IPVS traffic metrics from the kernel counters', () => {
  it('exposes service and real-server counters with node_exporter-style labels, from one dump per scrape', async () => {
    const { registry, dumps } = setup(() => Promise.resolve([web, marked]));
    const text = await registry.metrics();
    const svc = 'local_address="10.0.0.1",local_port="80",local_mark="",proto="tcp"';
    expect(text).toContain(`lvs_ipvs_service_connections_total{${svc}} 30`);
    expect(text).toContain(`lvs_ipvs_service_incoming_bytes_total{${svc}} 30000`);
    const rs = `${svc},remote_address="10.0.0.5",remote_port="80"`;
    expect(text).toContain(`lvs_ipvs_backend_connections_total{${rs}} 20`);
    expect(text).toContain(`lvs_ipvs_backend_incoming_packets_total{${rs}} 200`);
    expect(text).toContain(`lvs_ipvs_backend_connections_active{${rs}} 4`);
    expect(text).toContain(`lvs_ipvs_backend_connections_inactive{${rs}} 11`);
    expect(text).toContain(`lvs_ipvs_backend_weight{${rs}} 1`);
    expect(text).toContain(
      'lvs_ipvs_service_connections_total{local_address="",local_port="0",local_mark="7",proto="inet6"} 30',
    );
    expect(dumps()).toBe(1);
  });

  it('a service that went away disappears from the next scrape', async () => {
    let table = [web];
    const { registry } = setup(() => Promise.resolve(table));
    expect(await registry.metrics()).toContain('remote_address="10.0.0.5"');
    table = [];
    await new Promise((r) => setTimeout(r, 600));
    expect(await registry.metrics()).not.toContain('remote_address="10.0.0.5"');
  });

  it('a failing dump empties the traffic metrics and counts the error; the scrape still answers', async () => {
    const { registry } = setup(() => Promise.reject(new Error('IPVS family not found')));
    const text = await registry.metrics();
    expect(text).toContain('lvs_ipvs_stats_scrape_errors_total 1');
    expect(text).not.toContain('lvs_ipvs_backend_weight{');
  });
});
