/**
 * Seed 003 end to end: NAT + rr, no VRRP, and the director (192.168.164.11) is itself one of
 * the two real servers; the other is 192.168.164.10, whose default gateway is the director.
 * The client sits in another subnet on the same segment and reaches 192.168.164.0/24 through
 * the director, so the backend's replies pass the director to be translated back:
 *
 *   client 10.164.0.100/24 (192.168.164.0/24 via 10.164.0.1)
 *   dir1 192.168.164.11/24 + 10.164.0.1/24, serving on :80 itself
 *   web2 192.168.164.10/24 (default via 192.168.164.11)
 *
 * The manifest is examples/seed-003-nat-rr-self unchanged.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../src/lab/netns-lab.js';
import { E2eLab } from './e2e-lab.js';
import { expectStatsAgree } from './ipvs-stats.js';

const VIP = '192.168.164.11';
const example = resolve(import.meta.dirname, '../../../examples/seed-003-nat-rr-self');

describe('seed 003: NAT + rr with the director itself as one real server', () => {
  let lab: E2eLab;

  beforeAll(async () => {
    lab = await E2eLab.create('lvs-e2e3-', {
      client: '10.164.0.100/24',
      dir1: `${VIP}/24`,
      web2: '192.168.164.10/24',
    });
    await lab.exec1('dir1', ['ip', 'addr', 'add', '10.164.0.1/24', 'dev', 'eth0']);
    await lab.exec1('dir1', [
      'sysctl',
      '-qw',
      'net.ipv4.ip_forward=1',
      'net.ipv4.conf.all.send_redirects=0',
      'net.ipv4.conf.eth0.send_redirects=0',
    ]);
    await lab.exec1('client', ['ip', 'route', 'add', '192.168.164.0/24', 'via', '10.164.0.1']);
    await lab.exec1('web2', ['ip', 'route', 'add', 'default', 'via', VIP]);
    await lab.startBackend('dir1');
    await lab.startBackend('web2');
    lab.writeManifest('virtual-server.yaml', readFileSync(join(example, 'virtual-server.yaml'), 'utf8'));
    await lab.startAgent('dir1', 'director');
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  it('programs the service on the director’s own address with both real servers', async () => {
    await waitFor(async () => (await lab.ipvsadm('dir1', '-Ln')).includes(`TCP  ${VIP}:80 rr`), {
      what: 'the service',
    });
    const table = await lab.ipvsadm('dir1', '-Ln');
    expect(table).toMatch(/-> 192\.168\.164\.10:80\s+Masq\s+1/);
    expect(table).toMatch(/-> 192\.168\.164\.11:80\s+(Masq|Local)\s+1/);
  });

  it('rr alternates between the director and the other host; lvsctl --stats matches ipvsadm and the requests', async () => {
    const s = await lab.burst('client', VIP, 80, 20);
    expect(s).toMatchObject({ ok: 20, failed: 0, counts: { dir1: 10, web2: 10 } });
    await expectStatsAgree(lab, 'dir1', VIP, { dir1: `${VIP}:80`, web2: '192.168.164.10:80' }, s);
  });
});
