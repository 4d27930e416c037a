/**
 * Seed 002 end to end: NAT + wlc, one director that is the backends' default gateway. The
 * seed's WAN and LAN subnets share one segment here (each node has one interface); the
 * director forwards between them on eth0 with ICMP redirects off, so the backends keep
 * sending their replies through it as they would across two real links:
 *
 *   client 203.0.113.10/24    dir1 203.0.113.1/24 + VIP 203.0.113.100 + 192.168.100.1/24
 *   web1 192.168.100.21/24    web2 192.168.100.22/24    (default route via 192.168.100.1)
 *
 * The manifest is examples/seed-002-nat-wlc unchanged; the VIP is host configuration, as in
 * the seed (`ifcfg-eth0:0`).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../src/lab/netns-lab.js';
import { E2eLab } from './e2e-lab.js';
import { expectStatsAgree } from './ipvs-stats.js';

const VIP = '203.0.113.100';
const example = resolve(import.meta.dirname, '../../../examples/seed-002-nat-wlc');

describe('seed 002: NAT + wlc, the director as the backends’ gateway', () => {
  let lab: E2eLab;

  beforeAll(async () => {
    lab = await E2eLab.create('lvs-e2e2-', {
      client: '203.0.113.10/24',
      dir1: '203.0.113.1/24',
      web1: '192.168.100.21/24',
      web2: '192.168.100.22/24',
    });
    await lab.exec1('dir1', ['ip', 'addr', 'add', `${VIP}/24`, 'dev', 'eth0']);
    await lab.exec1('dir1', ['ip', 'addr', 'add', '192.168.100.1/24', 'dev', 'eth0']);
    await lab.exec1('dir1', [
      'sysctl',
      '-qw',
      'net.ipv4.ip_forward=1',
      'net.ipv4.conf.all.send_redirects=0',
      'net.ipv4.conf.eth0.send_redirects=0',
    ]);
    for (const web of ['web1', 'web2']) {
      await lab.exec1(web, ['ip', 'route', 'add', 'default', 'via', '192.168.100.1']);
      await lab.startBackend(web);
    }
    lab.writeManifest('virtual-server.yaml', readFileSync(join(example, 'virtual-server.yaml'), 'utf8'));
    await lab.startAgent('dir1', 'director');
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  it('programs the NAT service with wlc', async () => {
    await waitFor(async () => (await lab.ipvsadm('dir1', '-Ln')).includes(`TCP  ${VIP}:80 wlc`), {
      what: 'the service',
    });
    const table = await lab.ipvsadm('dir1', '-Ln');
    expect(table).toMatch(/-> 192\.168\.100\.21:80\s+Masq\s+1/);
    expect(table).toMatch(/-> 192\.168\.100\.22:80\s+Masq\s+1/);
  });

  it('requests from the client reach both backends through the director; the counters match', async () => {
    const s = await lab.burst('client', VIP, 80, 20);
    expect(s).toMatchObject({ ok: 20, failed: 0 });
    expect(s.counts['web1']).toBeGreaterThan(0);
    expect(s.counts['web2']).toBeGreaterThan(0);
    await expectStatsAgree(lab, 'dir1', VIP, { web1: '192.168.100.21:80', web2: '192.168.100.22:80' }, s);
  });
});
