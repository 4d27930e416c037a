/**
 * The realserver role against the host kernel, in network namespaces: a client, a director and
 * a backend on one bridge (seed 001's layout). The role runs inside the backend namespace
 * (test/netns/realserver-pass.ts, a new process per pass, as a restarted agent). Judged by real
 * traffic, by arping, and by the kernel's own listings before and after.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { NetnsLab, waitFor, type ExecResult } from '../support/netns.js';
import { describeAsRoot } from '../support/privileges.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const BACKEND = '10.78.0.5';
const VIP = '10.78.0.100';
const VIP_REDIRECT = '10.78.0.110';

interface Report {
  writes: number;
  vips: { vip: string; mode: string; configured: boolean; message?: string }[];
  realServers: unknown[];
  issues: { reason: string; message: string }[];
  failures: { op: string; error: string }[];
  metrics: string;
}

describeAsRoot('realserver role in network namespaces (Loopback, arp sysctls, IptablesRedirect)', () => {
  let lab: NetnsLab;
  let statePath: string;
  let passes = 0;

  /** One pass of the role in the backend namespace with these manifests. */
  async function pass(objects: unknown[]): Promise<Report> {
    const jobPath = join(lab.dir, `job-${++passes}.json`);
    writeFileSync(jobPath, JSON.stringify({ nodeName: 'backend', statePath, objects }));
    const r = await lab.exec(
      'backend',
      [process.execPath, '--import', 'tsx', join(root, 'test/netns/realserver-pass.ts'), jobPath],
      { timeoutMs: 60_000 },
    );
    if (r.code !== 0) throw new Error(`realserver pass failed (${r.code}): ${r.stderr}`);
    return JSON.parse(r.stdout) as Report;
  }

  const dr = (name: string, vip: string, port: number, acceptVIP?: Record<string, unknown>) => ({
    apiVersion: 'lvs.io/v1alpha1',
    kind: 'VirtualServer',
    metadata: { name },
    spec: {
      addresses: [{ ip: vip, port }],
      forwarding: 'DR',
      scheduler: 'rr',
      realServers: [{ address: BACKEND, ...(acceptVIP ? { acceptVIP } : {}) }],
    },
  });

  /** Everything on the backend the role could touch, as the kernel lists it. */
  async function snapshot(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const iface of ['all', 'default', 'lo', 'eth0']) {
      for (const name of ['arp_ignore', 'arp_announce', 'rp_filter']) {
        out[`${iface}.${name}`] = (
          await lab.exec1('backend', ['cat', `/proc/sys/net/ipv4/conf/${iface}/${name}`])
        ).trim();
      }
    }
    out['addresses'] = await lab.exec1('backend', ['ip', '-o', 'addr', 'show']);
    out['links'] = await lab.exec1('backend', ['ip', '-o', 'link', 'show']);
    out['ruleset'] = await lab.exec1('backend', ['nft', 'list', 'ruleset']);
    out['iptables'] = (await lab.exec1('backend', ['iptables-save', '-t', 'nat']))
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .join('\n');
    return out;
  }

  /** A TCP exchange from the client: what the listener said, or undefined. */
  async function fetchFrom(ip: string, port: number): Promise<string | undefined> {
    const script = `const s=require('net').connect({host:'${ip}',port:${port},timeout:1500});let d='';s.on('data',b=>d+=b);s.on('end',()=>{process.stdout.write(d);process.exit(0)});s.on('timeout',()=>process.exit(3));s.on('error',()=>process.exit(4));`;
    const r: ExecResult = await lab.exec('client', [process.execPath, '-e', script], { timeoutMs: 10_000 });
    return r.code === 0 ? r.stdout : undefined;
  }

  /** MACs that answered ARP for `ip` from the client (arping, iputils). */
  async function arpRepliers(ip: string): Promise<string[]> {
    const r = await lab.exec('client', ['arping', '-c', '2', '-w', '2', '-I', 'eth0', ip], { timeoutMs: 10_000 });
    return [...r.stdout.matchAll(/reply from \S+ \[([0-9a-f:]+)\]/gi)].map((m) => (m[1] ?? '').toLowerCase());
  }

  let before: Record<string, string>;

  beforeAll(async () => {
    lab = await NetnsLab.create('lvs-rs-');
    statePath = join(lab.dir, 'realserver-state.json');
    await lab.addNode('client', { ipv4: '10.78.0.9/24' });
    await lab.addNode('director', { ipv4: '10.78.0.2/24' });
    await lab.addNode('backend', { ipv4: `${BACKEND}/24` });
    // Things the role must leave alone: a hand-made VIP on lo, a seed-000 style rule, a sysctl.
    await lab.exec1('backend', ['ip', 'addr', 'add', '10.78.0.201/32', 'dev', 'lo']);
    await lab.exec1('backend', ['iptables', '-t', 'nat', '-A', 'PREROUTING', '-d', '10.78.0.200', '-j', 'REDIRECT']);
    await lab.exec1('backend', ['sysctl', '-qw', 'net.ipv4.conf.lo.arp_announce=1']);
    for (const port of [8080, 8081]) {
      lab.spawn('backend', [
        process.execPath,
        '-e',
        `require('net').createServer(s=>s.end('backend:${port}\\n')).listen(${port},'0.0.0.0')`,
      ]);
    }
    await waitFor(async () => (await fetchFrom(BACKEND, 8081)) === 'backend:8081\n', { what: 'backend listeners' });
    before = await snapshot();
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  it('Loopback: the VIP goes on lo with our label, arp_ignore=1 and arp_announce=2 on all and lo', async () => {
    const report = await pass([dr('web', VIP, 8080)]);
    expect(report.failures).toEqual([]);
    expect(report.vips).toEqual([
      { vip: VIP, mode: 'Loopback', configured: true, address: BACKEND, virtualServer: expect.anything() },
    ]);
    const lo = await lab.exec1('backend', ['ip', '-o', '-4', 'addr', 'show', 'dev', 'lo']);
    expect(lo).toMatch(new RegExp(`inet ${VIP.replace(/\./g, '\\.')}/32 scope global lo:lvs`));
    const snap = await snapshot();
    expect([snap['all.arp_ignore'], snap['all.arp_announce'], snap['lo.arp_ignore'], snap['lo.arp_announce']]).toEqual([
      '1',
      '2',
      '1',
      '2',
    ]);
    expect(report.metrics).toContain('lvs_realserver_vips{mode="Loopback"} 1');
  });

  it('the backend does not answer ARP for the VIP, but answers for its own address', async () => {
    expect(await arpRepliers(BACKEND)).toContain(lab.node('backend').mac);
    expect(await arpRepliers(VIP)).toEqual([]);
    // Control: with arp_ignore back at 0 the same VIP on lo is answered (the "ARP problem").
    const ignore = (v: number) =>
      Promise.all(
        ['all', 'lo'].map((i) => lab.exec1('backend', ['sysctl', '-qw', `net.ipv4.conf.${i}.arp_ignore=${v}`])),
      );
    await ignore(0);
    try {
      expect(await arpRepliers(VIP)).toContain(lab.node('backend').mac);
    } finally {
      await ignore(1);
    }
  });

  it('traffic to the VIP sent to the backend MAC is accepted and answered from the VIP', async () => {
    await lab.exec1('client', ['ip', 'route', 'replace', `${VIP}/32`, 'via', BACKEND]);
    expect(await fetchFrom(VIP, 8080)).toBe('backend:8080\n');
    await lab.exec1('client', ['ip', 'route', 'del', `${VIP}/32`]);
  });

  it("seed 001: with the director holding the VIP, the client's neighbour entry is the director's MAC", async () => {
    await lab.exec1('director', ['ip', 'addr', 'add', `${VIP}/24`, 'dev', 'eth0']);
    try {
      await lab.exec('client', ['ip', 'neigh', 'flush', 'dev', 'eth0']);
      const repliers = await arpRepliers(VIP);
      expect(repliers.length).toBeGreaterThan(0);
      expect(new Set(repliers)).toEqual(new Set([lab.node('director').mac]));
      // Any packet to the VIP makes the client resolve it (the director answers with a reset).
      await fetchFrom(VIP, 8080);
      expect(await lab.neighbour('client', VIP)).toBe(lab.node('director').mac);
    } finally {
      await lab.exec('director', ['ip', 'addr', 'del', `${VIP}/24`, 'dev', 'eth0']);
      await lab.exec('client', ['ip', 'neigh', 'flush', 'dev', 'eth0']);
    }
  });

  it('a restarted instance on the same state file adopts everything and writes nothing', async () => {
    const report = await pass([dr('web', VIP, 8080)]);
    expect(report.writes).toBe(0);
    expect(report.vips.every((v) => v.configured)).toBe(true);
  });

  it('IptablesRedirect per port: a rule in our own nft table, only for the service port', async () => {
    const report = await pass([
      dr('web', VIP, 8080),
      dr('web-redirect', VIP_REDIRECT, 8080, { mode: 'IptablesRedirect', perPort: true }),
    ]);
    expect(report.failures).toEqual([]);
    expect(report.vips.map((v) => [v.vip, v.mode, v.configured])).toEqual([
      [VIP, 'Loopback', true],
      [VIP_REDIRECT, 'IptablesRedirect', true],
    ]);
    const table = await lab.exec1('backend', ['nft', 'list', 'table', 'inet', 'lvs_realserver']);
    expect(table).toContain(`ip daddr ${VIP_REDIRECT} tcp dport 8080 redirect`);
    expect(await lab.exec1('backend', ['ip', '-o', 'addr', 'show'])).not.toContain(VIP_REDIRECT);
    await lab.exec1('client', ['ip', 'route', 'replace', `${VIP_REDIRECT}/32`, 'via', BACKEND]);
    try {
      expect(await fetchFrom(VIP_REDIRECT, 8080)).toBe('backend:8080\n');
      // The listener on 8081 is there, but the rule matches 8080 only.
      expect(await fetchFrom(VIP_REDIRECT, 8081)).toBeUndefined();
      expect(await arpRepliers(VIP_REDIRECT)).toEqual([]);
    } finally {
      await lab.exec('client', ['ip', 'route', 'del', `${VIP_REDIRECT}/32`]);
    }
  });

  it('IptablesRedirect for every port (seed 000: -d VIP -j REDIRECT): both listeners answer', async () => {
    const vip = '10.78.0.111';
    const report = await pass([
      dr('web', VIP, 8080),
      dr('web-redirect', VIP_REDIRECT, 8080, { mode: 'IptablesRedirect', perPort: true }),
      dr('web-all-ports', vip, 8080, { mode: 'IptablesRedirect' }),
    ]);
    expect(report.failures).toEqual([]);
    expect(await lab.exec1('backend', ['nft', 'list', 'table', 'inet', 'lvs_realserver'])).toContain(
      `ip daddr ${vip} redirect`,
    );
    await lab.exec1('client', ['ip', 'route', 'replace', `${vip}/32`, 'via', BACKEND]);
    try {
      expect(await fetchFrom(vip, 8080)).toBe('backend:8080\n');
      expect(await fetchFrom(vip, 8081)).toBe('backend:8081\n');
    } finally {
      await lab.exec('client', ['ip', 'route', 'del', `${vip}/32`]);
    }
  });

  it('a dummy device on a kernel without the type is reported, not faked', async () => {
    const report = await pass([dr('web-dummy', '10.78.0.120', 8080, { device: 'lvs0' })]);
    const status = report.vips.find((v) => v.vip === '10.78.0.120');
    const hasDummy = (await lab.exec('backend', ['ip', 'link', 'add', 'lvs-rs-probe', 'type', 'dummy'])).code === 0;
    await lab.exec('backend', ['ip', 'link', 'del', 'lvs-rs-probe']);
    if (hasDummy) expect(status?.configured).toBe(true);
    else expect(status).toMatchObject({ configured: false, message: expect.stringContaining('no dummy device type') });
  });

  it('IPv6 Loopback: the VIP /128 on lo, owned through the state record alone (no labels)', async () => {
    const dr6 = {
      apiVersion: 'lvs.io/v1alpha1',
      kind: 'VirtualServer',
      metadata: { name: 'web6' },
      spec: {
        addresses: [{ ip: '2001:db8:78::100', port: 8080 }],
        forwarding: 'DR',
        scheduler: 'rr',
        realServers: [{ address: '2001:db8:78::5', node: 'backend' }],
      },
    };
    const report = await pass([dr6]);
    expect(report.failures).toEqual([]);
    expect(report.vips).toMatchObject([{ vip: '2001:db8:78::100', configured: true }]);
    expect(await lab.exec1('backend', ['ip', '-o', '-6', 'addr', 'show', 'dev', 'lo'])).toContain(
      'inet6 2001:db8:78::100/128',
    );
    expect((await pass([dr6])).writes).toBe(0);
  });

  it('removal: VIPs, rules and sysctls are gone, original values restored, nothing else changed', async () => {
    const report = await pass([]);
    expect(report.failures).toEqual([]);
    expect(await snapshot()).toEqual(before);
    expect(await fetchFrom(VIP, 8080)).toBeUndefined();
  });
});
