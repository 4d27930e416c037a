/**
 * The VIP-path probe end to end, in seed 001's layout with a third DR backend that never takes
 * the VIP (acceptVIP None, as a backend whose realserver agent never ran): its HTTP check goes
 * to its own address and passes, so without the probe it keeps weight 1 and every third
 * client connection times out. With vipPathCheck Auto (the default) the director sees no answer
 * to a SYN for VIP:80 delivered to that backend's MAC and takes it out: no client request fails.
 *
 *   client 10.0.0.100   dir1 10.0.0.2   web1 10.0.0.5   web2 10.0.0.6   web3 10.0.0.7 (no VIP)
 *   VIP 10.0.0.1/24 (VRRP, VRID 200), service 10.0.0.1:80, rr
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../src/lab/netns-lab.js';
import { DR_PAIR_VIP as VIP, drPairService, E2eLab, manifest, type TrafficSummary } from './e2e-lab.js';

const example = resolve(import.meta.dirname, '../../../examples/seed-001-dr-loopback-arp');
const CLIENT = resolve(import.meta.dirname, 'traffic-client.ts');

const NODES = {
  client: '10.0.0.100/24',
  dir1: '10.0.0.2/24',
  web1: '10.0.0.5/24',
  web2: '10.0.0.6/24',
  web3: '10.0.0.7/24',
};

function virtualServer(vipPathCheck: 'Auto' | 'Disabled') {
  const rs = (address: string, mode: 'Loopback' | 'None') => ({ address, port: 80, weight: 1, acceptVIP: { mode } });
  return drPairService({
    vipPathCheck,
    healthChecks: [{ type: 'HTTP', interval: '1s', timeout: '1s', retry: 0, http: { urls: [{ path: '/' }] } }],
    realServers: [rs('10.0.0.5', 'Loopback'), rs('10.0.0.6', 'Loopback'), rs('10.0.0.7', 'None')],
  });
}

describe('VIP-path probe: a DR backend without the VIP gets no traffic', () => {
  let lab: E2eLab;

  /** N requests from the client, each on a new connection, each given 1 s. */
  async function burst(n: number): Promise<TrafficSummary> {
    const r = await lab.exec(
      'client',
      [process.execPath, CLIENT, 'burst', VIP, '80', String(n), '100', '1000'],
      120_000,
    );
    const line = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .pop();
    if (!line) throw new Error(`traffic client printed no summary: ${r.stdout} ${r.stderr}`);
    return JSON.parse(line) as TrafficSummary;
  }

  const table = () => lab.ipvsadm('dir1', '-Ln');

  beforeAll(async () => {
    lab = await E2eLab.create('lvs-e2evp-', NODES);
    lab.writeManifest(
      'vrrp-group.yaml',
      readFileSync(join(example, 'vrrp-group.yaml'), 'utf8').replaceAll('interface: eth1', 'interface: eth0'),
    );
    lab.writeManifest('virtual-server.yaml', manifest(virtualServer('Disabled')));
    for (const web of ['web1', 'web2', 'web3']) await lab.startBackend(web);
    await Promise.all(['web1', 'web2', 'web3'].map((w) => lab.startAgent(w, 'realserver')));
    await lab.startAgent('dir1', 'director');
    await lab.waitForMaster(['dir1'], VIP, 20_000);
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  it('without the probe (Disabled), the backend without the VIP keeps weight 1 and its share of requests fails', async () => {
    await waitFor(async () => /-> 10\.0\.0\.7:80\s+Route\s+1/.test(await table()), {
      what: 'web3 at weight 1',
      timeoutMs: 20_000,
    });
    expect(await lab.lab.addresses('web3', 'lo')).not.toContain(`${VIP}/32`);
    const s = await burst(9);
    expect(s.ok).toBe(6);
    expect(s.failed).toBe(3);
    expect(s.counts['web3']).toBeUndefined();
  });

  it('with vipPathCheck Auto, the director takes it out (weight 0, then removed) with the reason, and no request fails', async () => {
    lab.writeManifest('virtual-server.yaml', manifest(virtualServer('Auto')));
    // Removed, or at weight 0 while IPVS still holds the connections that failed above (drain).
    const outOfService = (t: string) => !t.includes('10.0.0.7:80') || /-> 10\.0\.0\.7:80\s+Route\s+0\s/.test(t);
    await waitFor(async () => outOfService(await table()), {
      what: 'web3 out of the IPVS service',
      timeoutMs: 20_000,
    }).catch((err: unknown) => {
      throw new Error(`${String(err)}\ndirector log:\n${lab.tail('dir1', 60)}`);
    });
    const t = await table();
    expect(t).toMatch(/-> 10\.0\.0\.5:80\s+Route\s+1/);
    expect(t).toMatch(/-> 10\.0\.0\.6:80\s+Route\s+1/);
    const down = lab
      .agent('dir1')
      .log.filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l['msg'] === 'real server down' && l['rs'] === '10.0.0.7:80');
    expect(down).toMatchObject({
      reason: 'vip-path',
      detail: `VIP path: no answer to a SYN for ${VIP}:80 delivered to ${lab.lab.node('web3').mac}`,
    });
    const s = await burst(30);
    expect(s).toMatchObject({ ok: 30, failed: 0, counts: { web1: 15, web2: 15 } });
    const metrics = await lab.exec1('dir1', ['curl', '-sf', 'http://127.0.0.1:9400/metrics']);
    expect(metrics).toMatch(/lvs_health_checks_total\{type="VIP_PATH",result="vip-path"\} [1-9]/);
    expect(metrics).toMatch(/lvs_health_checks_total\{type="VIP_PATH",result="success"\} [1-9]/);
  });

  it('once the backend takes the VIP on lo, it is back at weight 1 and serves its share', async () => {
    await lab.exec1('web3', ['sysctl', '-qw', 'net.ipv4.conf.all.arp_ignore=1', 'net.ipv4.conf.all.arp_announce=2']);
    await lab.exec1('web3', ['ip', 'addr', 'add', `${VIP}/32`, 'dev', 'lo']);
    await waitFor(async () => /-> 10\.0\.0\.7:80\s+Route\s+1/.test(await table()), {
      what: 'web3 back at weight 1',
      timeoutMs: 20_000,
    });
    const s = await burst(30);
    expect(s).toMatchObject({ ok: 30, failed: 0, counts: { web1: 10, web2: 10, web3: 10 } });
  });
});
