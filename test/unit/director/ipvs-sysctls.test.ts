import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/logger.js';
import { applyIpvsSysctls } from '../../../src/director/ipvs-sysctls.js';
import { DirectorMetrics } from '../../../src/director/metrics.js';
import { DEFAULT_IPVS_SYSCTLS, ipvsSysctlPath, planIpvsSysctls, type IpvsSysctlName } from '../../../src/ipvs/index.js';
import { FakeSysctls } from '../../../src/net/fake-sysctls.js';

/** net.ipv4.vs once ip_vs is loaded: the Linux 6.1 defaults (ipvs-sysctl.rst); nothing before. */
const ipvsSysctls = (loaded = true) =>
  new FakeSysctls(
    loaded
      ? [
          [ipvsSysctlPath('expire_nodest_conn'), 0],
          [ipvsSysctlPath('expire_quiescent_template'), 0],
          [ipvsSysctlPath('conn_reuse_mode'), 1],
        ]
      : [],
  );

const wantedAll = DEFAULT_IPVS_SYSCTLS;

async function metric(registry: Registry, name: string): Promise<{ labels: object; value: number }[]> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  return (m?.values ?? []).map((v) => ({ labels: v.labels, value: v.value }));
}

describe('planIpvsSysctls', () => {
  it.each([
    {
      name: 'kernel defaults: two changes, conn_reuse_mode already 1',
      current: { expire_nodest_conn: 0, expire_quiescent_template: 0, conn_reuse_mode: 1 },
      wanted: wantedAll,
      expected: {
        changes: [
          { name: 'expire_nodest_conn', from: 0, to: 1 },
          { name: 'expire_quiescent_template', from: 0, to: 1 },
        ],
        missing: [],
      },
    },
    {
      name: 'a setting left out is not touched; a missing one is reported',
      current: { expire_nodest_conn: 0, conn_reuse_mode: 0 },
      wanted: { expire_quiescent_template: 1, conn_reuse_mode: 1 },
      expected: { changes: [{ name: 'conn_reuse_mode', from: 0, to: 1 }], missing: ['expire_quiescent_template'] },
    },
    {
      name: 'already set: nothing',
      current: { expire_nodest_conn: 1, expire_quiescent_template: 1, conn_reuse_mode: 1 },
      wanted: wantedAll,
      expected: { changes: [], missing: [] },
    },
  ])('$name', ({ current, wanted, expected }) => {
    const map = new Map(Object.entries(current) as [IpvsSysctlName, number][]);
    expect(planIpvsSysctls(wanted, map)).toEqual(expected);
  });
});

describe('applyIpvsSysctls', () => {
  it('sets the defaults over the kernel values, reports old → new, and exports the values', async () => {
    const port = ipvsSysctls();
    const registry = new Registry();
    const r = await applyIpvsSysctls(port, wantedAll, silentLogger(), new DirectorMetrics(registry));
    expect(r).toEqual({
      available: true,
      changed: [
        { name: 'expire_nodest_conn', from: 0, to: 1 },
        { name: 'expire_quiescent_template', from: 0, to: 1 },
      ],
      missing: [],
      failed: [],
    });
    expect(port.writes).toEqual([
      { path: ['net', 'ipv4', 'vs', 'expire_nodest_conn'], value: 1 },
      { path: ['net', 'ipv4', 'vs', 'expire_quiescent_template'], value: 1 },
    ]);
    expect(await metric(registry, 'lvs_director_ipvs_sysctl')).toEqual([
      { labels: { name: 'expire_nodest_conn' }, value: 1 },
      { labels: { name: 'expire_quiescent_template' }, value: 1 },
      { labels: { name: 'conn_reuse_mode' }, value: 1 },
    ]);
  });

  it('without /proc/sys/net/ipv4/vs: no write, no throw, counted per setting', async () => {
    const port = ipvsSysctls(false);
    const registry = new Registry();
    const r = await applyIpvsSysctls(port, wantedAll, silentLogger(), new DirectorMetrics(registry));
    expect(r).toMatchObject({ available: false, changed: [], missing: Object.keys(wantedAll) });
    expect(port.writes).toEqual([]);
    expect((await metric(registry, 'lvs_director_ipvs_sysctl_failures_total')).map((m) => m.labels)).toEqual(
      Object.keys(wantedAll).map((name) => ({ name, errno: 'ENOENT' })),
    );
  });

  it('a refused write is reported and counted; the others are still set', async () => {
    const port = ipvsSysctls();
    port.failOn = { op: 'write', path: ipvsSysctlPath('expire_nodest_conn'), errnoName: 'EACCES' };
    const registry = new Registry();
    const r = await applyIpvsSysctls(port, wantedAll, silentLogger(), new DirectorMetrics(registry));
    expect(r.failed).toEqual([{ name: 'expire_nodest_conn', errnoName: 'EACCES' }]);
    expect(r.changed).toEqual([{ name: 'expire_quiescent_template', from: 0, to: 1 }]);
    expect(port.get(ipvsSysctlPath('expire_quiescent_template'))).toBe(1);
    expect(await metric(registry, 'lvs_director_ipvs_sysctl_failures_total')).toEqual([
      { labels: { name: 'expire_nodest_conn', errno: 'EACCES' }, value: 1 },
    ]);
  });
});
