/**
 * Seed 000 end to end: DR + lc, two directors running VRRP (priority 100, nopreempt, 1 s
 * adverts, PASS authentication), an HTTP_GET check on /health_check.html with
 * inhibit_on_failure, and backends that accept the VIP by an iptables REDIRECT written by our
 * realserver role. The seed's two subnets share one segment here, joined by on-link routes
 * (DR needs the directors and backends on one L2 segment):
 *
 *   client 192.168.105.100   dir1 192.168.105.2   dir2 192.168.105.3     (192.168.105.0/24)
 *   web1 192.168.5.111       web2 192.168.5.112                          (192.168.5.0/24)
 *   VIP 192.168.105.253/32 (VRRP, VRID 51), service 192.168.105.253:80
 *
 * The manifests are examples/seed-000-dr-vrrp-redirect unchanged.
 */
import { readFileSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../src/lab/netns-lab.js';
import { E2eLab } from './e2e-lab.js';

const VIP = '192.168.105.253';
const DIRECTORS = ['dir1', 'dir2'] as const;
const WEB = { web1: '192.168.5.111', web2: '192.168.5.112' } as const;
const example = resolve(import.meta.dirname, '../../../examples/seed-000-dr-vrrp-redirect');

/** The weight of `rs` in `ipvsadm -Ln` output, or undefined when absent. */
function weightOf(table: string, rs: string): number | undefined {
  const m = new RegExp(`-> ${rs.replaceAll('.', '\\.')}:80\\s+Route\\s+(\\d+)`).exec(table);
  return m ? Number(m[1]) : undefined;
}

describe('seed 000: DR + VRRP nopreempt + lc + HTTP_GET inhibit_on_failure + REDIRECT on the backends', () => {
  let lab: E2eLab;
  const docroots: Record<string, string> = {};

  beforeAll(async () => {
    lab = await E2eLab.create('lvs-e2e0-', {
      client: '192.168.105.100/24',
      dir1: '192.168.105.2/24',
      dir2: '192.168.105.3/24',
      web1: `${WEB.web1}/24`,
      web2: `${WEB.web2}/24`,
    });
    for (const n of ['client', 'dir1', 'dir2'])
      await lab.exec1(n, ['ip', 'route', 'add', '192.168.5.0/24', 'dev', 'eth0']);
    for (const n of ['web1', 'web2']) await lab.exec1(n, ['ip', 'route', 'add', '192.168.105.0/24', 'dev', 'eth0']);
    for (const f of ['vrrp-group.yaml', 'virtual-server.yaml'])
      lab.writeManifest(f, readFileSync(join(example, f), 'utf8'));
    docroots['web1'] = await lab.startBackend('web1');
    docroots['web2'] = await lab.startBackend('web2');
    await Promise.all([lab.startAgent('web1', 'realserver'), lab.startAgent('web2', 'realserver')]);
    await Promise.all(DIRECTORS.map((d) => lab.startAgent(d, 'director')));
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  it('one director takes the VIP; both backends are in its lc table with weight 1 once checked', async () => {
    const master = await lab.waitForMaster(DIRECTORS, VIP, 20_000);
    await waitFor(
      async () => {
        const t = await lab.ipvsadm(master, '-Ln');
        return t.includes(`TCP  ${VIP}:80 lc`) && weightOf(t, WEB.web1) === 1 && weightOf(t, WEB.web2) === 1;
      },
      { what: 'both backends at weight 1', timeoutMs: 20_000, intervalMs: 250 },
    );
  });

  it('each backend REDIRECTs the VIP (iptables, the kernel has no nftables NAT)', async () => {
    for (const web of ['web1', 'web2']) {
      expect(await lab.natRules(web)).toMatch(new RegExp(`-d ${VIP.replaceAll('.', '\\.')}/32 .*-j REDIRECT`));
      expect(await lab.lab.addresses(web, 'lo')).not.toContain(`${VIP}/32`);
    }
  });

  it('requests spread over both backends and every reply goes straight from the backend to the client', async () => {
    const master = await lab.waitForMaster(DIRECTORS, VIP);
    const onDirector: string[] = [];
    const onClient: string[] = [];
    // Replies to the client only: the directors' VIP-path probes get SYN-ACKs from VIP:80 too.
    const filter = `src host ${VIP} and tcp src port 80 and dst host 192.168.105.100`;
    const dump = (node: string, log: string[]) =>
      lab.lab.spawn(node, ['tcpdump', '-l', '-n', '-e', '-i', 'eth0', filter], { log });
    const d1 = dump(master, onDirector);
    const d2 = dump('client', onClient);
    await waitFor(
      () => onDirector.some((l) => l.includes('listening')) && onClient.some((l) => l.includes('listening')),
      {
        what: 'tcpdump listening',
      },
    );
    const summary = await lab.burst('client', VIP, 80, 20);
    await new Promise((r) => setTimeout(r, 500));
    d1.kill('SIGINT');
    d2.kill('SIGINT');
    await Promise.all([d1, d2].map((p) => new Promise((r) => (p.exitCode !== null ? r(0) : p.once('exit', r)))));
    expect(summary).toMatchObject({ ok: 20, failed: 0 });
    expect(summary.counts['web1']).toBeGreaterThan(0);
    expect(summary.counts['web2']).toBeGreaterThan(0);
    const replies = (log: string[]) => log.filter((l) => l.includes(` ${VIP}.80 > `));
    // Not one reply passed the director; the client's came from the backends' MACs.
    expect(replies(onDirector)).toEqual([]);
    const sources = new Set(replies(onClient).map((l) => l.split(' ')[1]));
    expect(replies(onClient).length).toBeGreaterThanOrEqual(20 * 3);
    expect([...sources].sort()).toEqual([lab.lab.node('web1').mac, lab.lab.node('web2').mac].sort());
  });

  it('renaming the health page: that backend goes to weight 0 and gets no new connections; back: weight 1', async () => {
    const master = await lab.waitForMaster(DIRECTORS, VIP);
    const page = join(docroots['web1'] ?? '', 'health_check.html');
    renameSync(page, `${page}.off`);
    try {
      await waitFor(async () => weightOf(await lab.ipvsadm(master, '-Ln'), WEB.web1) === 0, {
        what: 'web1 at weight 0 (inhibit_on_failure keeps it in the table)',
        timeoutMs: 20_000,
        intervalMs: 250,
      });
      const s = await lab.burst('client', VIP, 80, 10);
      expect(s).toMatchObject({ ok: 10, failed: 0, counts: { web2: 10 } });
    } finally {
      renameSync(`${page}.off`, page);
    }
    await waitFor(async () => weightOf(await lab.ipvsadm(master, '-Ln'), WEB.web1) === 1, {
      what: 'web1 back at weight 1',
      timeoutMs: 20_000,
      intervalMs: 250,
    });
    const s = await lab.burst('client', VIP, 80, 10);
    expect(s.counts['web1']).toBeGreaterThan(0);
  });

  it('the master crashes: the backup takes over and service resumes within 3 x 1 s + skew', async () => {
    const master = await lab.waitForMaster(DIRECTORS, VIP);
    const backup = DIRECTORS.find((d) => d !== master) ?? 'dir2';
    const load = await lab.traffic('client', 'load', VIP, 80, 2);
    await new Promise((r) => setTimeout(r, 1500));
    const crashedAt = performance.now();
    await lab.crash(master);
    await waitFor(async () => (await lab.holders([backup], VIP)).length === 1, {
      what: `${backup} holds the VIP`,
      timeoutMs: 15_000,
      intervalMs: 50,
    });
    const tookOverMs = performance.now() - crashedAt;
    await new Promise((r) => setTimeout(r, 3000));
    const s = await load.stop();
    console.log(
      `seed 000 failover: VIP on ${backup} after ${Math.round(tookOverMs)} ms; longest gap in traffic ${s.maxGapMs} ms; ${s.ok} ok, ${s.failed} failed`,
    );
    // Master_Down_Interval = 3 x 1 s + (256 - 100)/256 s (RFC 3768 §6.1), plus slack for the
    // polling here and for a kernel that runs JavaScript about 4x slower than the host.
    expect(tookOverMs).toBeLessThan(3000 + 610 + 1000);
    expect(s.maxGapMs).toBeLessThan(3000 + 610 + 3000);
    expect(await lab.burst('client', VIP, 80, 10)).toMatchObject({ ok: 10, failed: 0 });
  });
});
