/**
 * Inside the kernel harness (Linux 6.1 with ipip): the VIP-path probe for TUN real servers,
 * judged by the real servers' kernels. The director sends the SYN for VIP:port inside IPIP to
 * each server's address and reads the answer, which the server sends straight back from the
 * VIP, on the interface of its route to the server:
 *
 *   director 10.80.0.2 ─┬─ tun1 10.80.0.11 (VIP on tunl0, listener)
 *                       ├─ tun2 10.80.0.12 (tunl0 up, no VIP)
 *                       └─ router 10.80.0.1 / 10.81.0.1 ── tun3 10.81.0.13 (VIP on tunl0, routed)
 *
 * The probes run in the director namespace through test/netns/vip-path-main.ts.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../../src/health/types.js';
import { NetnsLab, waitFor } from '../../support/netns.js';

const root = resolve(import.meta.dirname, '../../..');
const VIP = '10.80.0.100';
const TUN1 = '10.80.0.11';
const TUN2 = '10.80.0.12';
const TUN3 = '10.81.0.13';

describe('VIP-path probe inside IPIP (TUN real servers)', () => {
  let lab: NetnsLab;
  let jobs = 0;

  async function probe(rs: string, port = 80, timeoutMs = 1500): Promise<CheckResult> {
    const path = join(lab.dir, `vip-path-${++jobs}.json`);
    writeFileSync(
      path,
      JSON.stringify({ probes: [{ rs, vip: VIP, port, mode: 'Auto', timeoutMs, encapsulation: 'ipip' }] }),
    );
    const r = await lab.exec(
      'director',
      [process.execPath, '--import', 'tsx', join(root, 'test/netns/vip-path-main.ts'), path],
      { timeoutMs: 120_000 },
    );
    if (r.code !== 0) throw new Error(`vip-path probe failed (${r.code}): ${r.stderr}`);
    const out = JSON.parse(r.stdout) as { results: CheckResult[] };
    const result = out.results[0];
    if (!result) throw new Error('no result');
    return result;
  }

  /** The realserver role's Tunnel mode by hand: tunl0 up with the VIP, rp_filter off. */
  async function acceptOnTunnel(node: string): Promise<void> {
    await lab.exec1(node, ['ip', 'link', 'set', 'tunl0', 'up']);
    await lab.exec1(node, ['ip', 'addr', 'add', `${VIP}/32`, 'dev', 'tunl0']);
    for (const conf of ['all', 'tunl0', 'eth0']) {
      await lab.exec1(node, ['sysctl', '-qw', `net.ipv4.conf.${conf}.rp_filter=0`]);
    }
  }

  beforeAll(async () => {
    lab = await NetnsLab.create('lvs-vptun-');
    await lab.addNode('director', { ipv4: '10.80.0.2/24' });
    await lab.addNode('tun1', { ipv4: `${TUN1}/24` });
    await lab.addNode('tun2', { ipv4: `${TUN2}/24` });
    await lab.addNode('router', { ipv4: '10.80.0.1/24' });
    await lab.addNode('tun3', { ipv4: `${TUN3}/24` });
    await lab.exec1('router', ['ip', 'addr', 'add', '10.81.0.1/24', 'dev', 'eth0']);
    await lab.exec1('router', ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    for (const conf of ['all', 'eth0']) {
      await lab.exec1('router', ['sysctl', '-qw', `net.ipv4.conf.${conf}.send_redirects=0`]);
    }
    await lab.exec1('director', ['ip', 'route', 'add', '10.81.0.0/24', 'via', '10.80.0.1']);
    await lab.exec1('tun3', ['ip', 'route', 'add', 'default', 'via', '10.81.0.1']);
    await lab.exec1('tun2', ['ip', 'link', 'set', 'tunl0', 'up']);
    await acceptOnTunnel('tun1');
    await acceptOnTunnel('tun3');
    for (const node of ['tun1', 'tun2', 'tun3']) {
      lab.spawn(node, [process.execPath, '-e', `require('net').createServer(s=>s.end('ok\\n')).listen(80,'0.0.0.0')`]);
    }
    for (const node of ['tun1', 'tun2', 'tun3']) {
      await waitFor(async () => (await lab.exec(node, ['ss', '-Htln', 'sport', '= :80'])).stdout.includes(':80'), {
        what: `listener on ${node}`,
      });
    }
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  it('a server with the VIP on tunl0 answers the SYN sent inside IPIP: up, no half-open connection left', async () => {
    expect(await probe(TUN1)).toMatchObject({ ok: true });
    expect((await lab.exec1('tun1', ['ss', '-Htn', 'state', 'syn-recv'])).trim()).toBe('');
  });

  it('a server that decapsulates but does not hold the VIP stays silent: down with the reason', async () => {
    expect(await probe(TUN2, 80, 800)).toMatchObject({
      ok: false,
      reason: 'vip-path',
      detail: `VIP path: no answer to a SYN for ${VIP}:80 sent inside IPIP to ${TUN2}`,
    });
  });

  it('the VIP but nothing on the port: RST, down as refused', async () => {
    expect(await probe(TUN1, 81)).toMatchObject({ ok: false, reason: 'refused' });
  });

  it('a TUN server behind a router is probed too (its answer comes back through the router)', async () => {
    expect(await probe(TUN3)).toMatchObject({ ok: true });
  });
});
