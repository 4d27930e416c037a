/**
 * The VIP-path probe against the host kernel, in network namespaces on one bridge: a director
 * and DR real servers, judged by the real servers' own kernels (no IPVS needed: the probe's SYN
 * is what IPVS would forward). A server with the VIP on lo (arp_ignore=1, arp_announce=2) or
 * the REDIRECT rule and a listener answers; one without the VIP stays silent; one with the VIP
 * and no listener resets. The probe runs in the director namespace (test/netns/vip-path-main.ts).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { CheckResult } from '../../src/health/types.js';
import { NetnsLab, waitFor } from '../support/netns.js';
import { describeAsRoot } from '../support/privileges.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const VIP = '10.79.0.100';
const VIP6 = 'fd79::100';
const DIRECTOR = '10.79.0.2';
/** Real servers: with the VIP on lo, without it, with the REDIRECT rule. */
const WITH_VIP = '10.79.0.11';
const WITHOUT_VIP = '10.79.0.12';
const REDIRECT = '10.79.0.13';
const WITH_VIP6 = 'fd79::11';
const WITHOUT_VIP6 = 'fd79::12';

interface Probe {
  rs: string;
  vip: string;
  port: number;
  mode: 'Auto' | 'Enabled';
  timeoutMs?: number;
}

describeAsRoot('VIP-path probe in network namespaces (DR real servers with and without the VIP)', () => {
  let lab: NetnsLab;
  let jobs = 0;

  async function probe(probes: Probe[]): Promise<{ results: CheckResult[]; metrics: string }> {
    const path = join(lab.dir, `vip-path-${++jobs}.json`);
    writeFileSync(path, JSON.stringify({ probes: probes.map((p) => ({ timeoutMs: 1000, ...p })) }));
    const r = await lab.exec(
      'director',
      [process.execPath, '--import', 'tsx', join(root, 'test/netns/vip-path-main.ts'), path],
      { timeoutMs: 60_000 },
    );
    if (r.code !== 0) throw new Error(`vip-path probe failed (${r.code}): ${r.stderr}`);
    return JSON.parse(r.stdout) as { results: CheckResult[]; metrics: string };
  }

  /** Connections the real server still holds half-open (SYN-RECV) for the VIP. */
  async function halfOpen(node: string): Promise<string> {
    return (await lab.exec1(node, ['ss', '-Htn', 'state', 'syn-recv'])).trim();
  }

  const listen = (node: string, port: number) =>
    lab.spawn(node, [process.execPath, '-e', `require('net').createServer(s=>s.end('ok\\n')).listen(${port},'::')`]);

  beforeAll(async () => {
    lab = await NetnsLab.create('lvs-vp-');
    await lab.addNode('director', { ipv4: `${DIRECTOR}/24`, ipv6: 'fd79::2/64' });
    await lab.addNode('withvip', { ipv4: `${WITH_VIP}/24`, ipv6: `${WITH_VIP6}/64` });
    await lab.addNode('novip', { ipv4: `${WITHOUT_VIP}/24`, ipv6: `${WITHOUT_VIP6}/64` });
    await lab.addNode('redirect', { ipv4: `${REDIRECT}/24` });
    // Seed 001's Loopback mode, as the realserver role sets it up.
    await lab.exec1('withvip', ['ip', 'addr', 'add', `${VIP}/32`, 'dev', 'lo']);
    await lab.exec1('withvip', ['ip', 'addr', 'add', `${VIP6}/128`, 'dev', 'lo']);
    for (const conf of ['all', 'eth0']) {
      await lab.exec1('withvip', ['sysctl', '-qw', `net.ipv4.conf.${conf}.arp_ignore=1`]);
      await lab.exec1('withvip', ['sysctl', '-qw', `net.ipv4.conf.${conf}.arp_announce=2`]);
    }
    // Seed 000's IptablesRedirect mode.
    await lab.exec1('redirect', [
      'iptables',
      '-t',
      'nat',
      '-A',
      'PREROUTING',
      '-d',
      VIP,
      '-p',
      'tcp',
      '-j',
      'REDIRECT',
    ]);
    for (const node of ['withvip', 'novip', 'redirect']) listen(node, 80);
    await waitFor(
      async () =>
        (await lab.exec('withvip', ['ss', '-Htln', 'sport', '= :80'])).stdout.includes(':80') &&
        (await lab.exec('redirect', ['ss', '-Htln', 'sport', '= :80'])).stdout.includes(':80') &&
        (await lab.exec('novip', ['ss', '-Htln', 'sport', '= :80'])).stdout.includes(':80'),
      { what: 'listeners on port 80' },
    );
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  it('a server with the VIP on lo and a listener answers: up, and no half-open connection is left', async () => {
    const { results } = await probe([{ rs: WITH_VIP, vip: VIP, port: 80, mode: 'Auto' }]);
    expect(results[0]).toMatchObject({ ok: true });
    expect(results[0]?.ok && results[0].detail).toBeFalsy();
    expect(await halfOpen('withvip')).toBe('');
  });

  it('a server without the VIP stays silent: down with the VIP-path reason', async () => {
    const { results } = await probe([{ rs: WITHOUT_VIP, vip: VIP, port: 80, mode: 'Auto', timeoutMs: 500 }]);
    expect(results[0]).toMatchObject({
      ok: false,
      reason: 'vip-path',
      detail: `VIP path: no answer to a SYN for ${VIP}:80 delivered to ${lab.node('novip').mac}`,
    });
  });

  it('a server with the VIP but nothing on the port resets: down as refused', async () => {
    const { results } = await probe([{ rs: WITH_VIP, vip: VIP, port: 81, mode: 'Auto' }]);
    expect(results[0]).toMatchObject({ ok: false, reason: 'refused' });
  });

  it('a server with the REDIRECT rule answers for the VIP: up', async () => {
    const { results } = await probe([{ rs: REDIRECT, vip: VIP, port: 80, mode: 'Auto' }]);
    expect(results[0]).toMatchObject({ ok: true });
    expect(await halfOpen('redirect')).toBe('');
  });

  it('works while the director holds the VIP itself (the answer comes from a local address)', async () => {
    await lab.exec1('director', ['ip', 'addr', 'add', `${VIP}/24`, 'dev', 'eth0']);
    try {
      const { results } = await probe([
        { rs: WITH_VIP, vip: VIP, port: 80, mode: 'Auto' },
        { rs: WITHOUT_VIP, vip: VIP, port: 80, mode: 'Auto', timeoutMs: 500 },
      ]);
      expect(results.map((r) => (r.ok ? 'up' : r.reason))).toEqual(['up', 'vip-path']);
    } finally {
      await lab.exec1('director', ['ip', 'addr', 'del', `${VIP}/24`, 'dev', 'eth0']);
    }
  });

  it('IPv6: the VIP on lo answers, its absence is silence', async () => {
    const { results } = await probe([
      { rs: WITH_VIP6, vip: VIP6, port: 80, mode: 'Auto' },
      { rs: WITHOUT_VIP6, vip: VIP6, port: 80, mode: 'Auto', timeoutMs: 500 },
    ]);
    expect(results.map((r) => (r.ok ? 'up' : r.reason))).toEqual(['up', 'vip-path']);
  });

  it('a routed real server cannot be probed: Auto passes it unchecked, Enabled marks it down', async () => {
    await lab.exec1('director', ['ip', 'route', 'add', '10.79.9.0/24', 'via', WITH_VIP]);
    try {
      const { results, metrics } = await probe([
        { rs: '10.79.9.1', vip: VIP, port: 80, mode: 'Auto' },
        { rs: '10.79.9.1', vip: VIP, port: 80, mode: 'Enabled' },
      ]);
      expect(results[0]).toMatchObject({ ok: true, detail: expect.stringContaining('not checked') });
      expect(results[1]).toMatchObject({ ok: false, reason: 'unreachable' });
      expect(metrics).toContain('lvs_health_vip_path_skipped_total{reason="routed"} 2');
    } finally {
      await lab.exec1('director', ['ip', 'route', 'del', '10.79.9.0/24']);
    }
  });
});
