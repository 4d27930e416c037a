/**
 * Inside the kernel harness (Linux 6.1 with dummy and ipip): the Sysctls and Devices contracts
 * against the real adapters, then the role itself in the guest's root namespace (the backend)
 * with a director namespace joined by a veth pair. Everything here dies with the guest.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualServerSchema } from '../../../src/api/index.js';
import { silentLogger } from '../../../src/core/logger.js';
import { systemClock } from '../../../src/core/clock.js';
import { buildModel } from '../../../src/model/index.js';
import {
  ANY_COMMAND,
  detectRedirectBackend,
  IptablesRedirectRules,
  NetlinkAddresses,
  ProcSysctls,
  SpawnProcessRunner,
} from '../../../src/net/index.js';
import { IpDevices } from '../../../src/realserver/ip-devices.js';
import {
  createKernelPorts,
  REALSERVER_REDIRECT_TABLE,
  RealserverRole,
  type PassReport,
} from '../../../src/realserver/index.js';
import { run, runOk, waitFor } from '../../support/netns.js';
import { describeRedirectRulesContract } from '../../unit/net/redirect-rules-contract.js';
import { describeSysctlsContract } from '../../unit/net/sysctls-contract.js';
import { describeLoopbackAddressesContract, describeDevicesContract } from '../../unit/realserver/port-contracts.js';

const commands = new SpawnProcessRunner({ clock: systemClock, policy: ANY_COMMAND });
const LEGACY = { kind: 'iptables', iptables: 'iptables-legacy', ip6tables: 'ip6tables-legacy' } as const;

describeSysctlsContract('procfs (kernel)', () => new ProcSysctls());
const addresses = new NetlinkAddresses();
afterAll(() => addresses.close());
describeLoopbackAddressesContract('rtnetlink (kernel)', () => addresses);
describeDevicesContract('ip (kernel)', () => new IpDevices(commands));
describeRedirectRulesContract(
  'iptables-legacy (kernel)',
  () =>
    new IptablesRedirectRules(commands, REALSERVER_REDIRECT_TABLE.iptablesChain, {
      4: 'iptables-legacy',
      6: 'ip6tables-legacy',
    }),
  async () => {
    await runOk(['iptables-legacy', '-w', '-t', 'nat', '-A', 'LVS-REDIRECT', '-s', '10.99.0.99/32', '-j', 'ACCEPT']);
  },
);

it('detects that this kernel has no nftables NAT and falls back to iptables', async () => {
  expect(await detectRedirectBackend(commands, REALSERVER_REDIRECT_TABLE)).toMatchObject({ kind: 'iptables' });
});

const BACKEND = '10.79.0.5';
const DIRECTOR = '10.79.0.2';
const VIP = '10.79.1.100';
const DIR_NS = 'lvs-rs-director';
const statePath = join(mkdtempSync(join(tmpdir(), 'lvs-rs-')), 'realserver-state.json');

const sysctl = async (path: string): Promise<string> =>
  (await runOk(['cat', `/proc/sys/net/ipv4/conf/${path}`])).trim();

/**
 * Link names only: state and flags of the veth move on their own, and IPv6 link-local
 * addresses finish DAD at a time of their own, so neither belongs in a before/after compare.
 */
const linkNames = async (): Promise<string[]> =>
  (await runOk(['ip', '-o', 'link', 'show']))
    .split('\n')
    .map((line) => /^\d+: ([^:@]+)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);

/** One pass by a new role instance on the shared state file, as after a restart. */
async function pass(objects: ReturnType<typeof VirtualServerSchema.parse>[]): Promise<PassReport> {
  const ports = createKernelPorts({ processes: commands, statePath, redirect: LEGACY });
  const role = new RealserverRole({
    nodeName: 'backend',
    ports,
    log: silentLogger(),
    registry: new Registry(),
    resyncIntervalMs: 0,
  });
  try {
    await role.start();
    return await role.sync(buildModel(objects, () => undefined));
  } finally {
    await role.stop();
    ports.close();
  }
}

const service = (name: string, forwarding: 'DR' | 'TUN', acceptVIP: Record<string, unknown>) =>
  VirtualServerSchema.parse({
    apiVersion: 'lvs.io/v1alpha1',
    kind: 'VirtualServer',
    metadata: { name },
    spec: {
      addresses: [{ ip: VIP, port: 8080 }],
      forwarding,
      scheduler: 'rr',
      realServers: [{ address: BACKEND, acceptVIP }],
    },
  });

/** A TCP exchange from the director namespace. */
async function fetchFromDirector(ip: string, port: number): Promise<string | undefined> {
  const script = `const s=require('net').connect({host:'${ip}',port:${port},timeout:4000});let d='';s.on('data',b=>d+=b);s.on('end',()=>{process.stdout.write(d);process.exit(0)});s.on('timeout',()=>process.exit(3));s.on('error',()=>process.exit(4));`;
  const r = await run(['ip', 'netns', 'exec', DIR_NS, process.execPath, '-e', script], { timeoutMs: 30_000 });
  return r.code === 0 ? r.stdout : undefined;
}

describe('realserver role in a kernel with dummy and ipip', () => {
  let listener: ChildProcess | undefined;
  let before: Record<string, unknown>;

  beforeAll(async () => {
    await runOk(['ip', 'netns', 'add', DIR_NS]);
    await runOk(['ip', 'link', 'add', 'veth-rs', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', DIR_NS]);
    await runOk(['ip', 'addr', 'add', `${BACKEND}/24`, 'dev', 'veth-rs']);
    await runOk(['ip', 'link', 'set', 'veth-rs', 'up']);
    await runOk(['ip', '-n', DIR_NS, 'addr', 'add', `${DIRECTOR}/24`, 'dev', 'eth0']);
    await runOk(['ip', '-n', DIR_NS, 'link', 'set', 'eth0', 'up']);
    await runOk(['ip', '-n', DIR_NS, 'link', 'set', 'lo', 'up']);
    // The director's end: an ipip tunnel to the backend and the VIP routed into it, as IPVS
    // TUN forwarding sends (outer destination the real server's address).
    await runOk(['ip', '-n', DIR_NS, 'link', 'add', 'tun0', 'type', 'ipip', 'local', DIRECTOR, 'remote', BACKEND]);
    await runOk(['ip', '-n', DIR_NS, 'link', 'set', 'tun0', 'up']);
    await runOk(['ip', '-n', DIR_NS, 'route', 'add', `${VIP}/32`, 'dev', 'tun0']);
    // Replies come straight back from the VIP over eth0, not through the tunnel.
    await runOk([
      'ip',
      'netns',
      'exec',
      DIR_NS,
      'sysctl',
      '-qw',
      'net.ipv4.conf.all.rp_filter=0',
      'net.ipv4.conf.eth0.rp_filter=0',
    ]);
    // The backend starts strict, so Tunnel mode has to relax rp_filter for the traffic to pass.
    await runOk(['sysctl', '-qw', 'net.ipv4.conf.all.rp_filter=1', 'net.ipv4.conf.default.rp_filter=1']);
    listener = spawn(
      process.execPath,
      ['-e', `require('net').createServer(s=>s.end('backend\\n')).listen(8080,'0.0.0.0')`],
      { stdio: 'ignore' },
    );
    await waitFor(async () => (await fetchFromDirector(BACKEND, 8080)) === 'backend\n', { what: 'listener' });
    before = {
      allRp: await sysctl('all/rp_filter'),
      allArpIgnore: await sysctl('all/arp_ignore'),
      allArpAnnounce: await sysctl('all/arp_announce'),
      links: await linkNames(),
      addresses: await runOk(['ip', '-o', '-4', 'addr', 'show']),
      nat: await runOk(['iptables-legacy', '-w', '-t', 'nat', '-S']),
    };
  });

  afterAll(async () => {
    listener?.kill('SIGKILL');
    await run(['ip', 'netns', 'del', DIR_NS]);
  });

  it('Loopback on a dummy device: created with our marker, VIP and arp sysctls on it; a restart writes nothing', async () => {
    const first = await pass([service('web', 'DR', { device: 'lvs0' })]);
    expect(first.failures).toEqual([]);
    expect(first.vips.map((v) => v.configured)).toEqual([true]);
    const link = JSON.parse(await runOk(['ip', '-d', '-j', 'link', 'show', 'dev', 'lvs0'])) as {
      ifalias?: string;
      linkinfo?: { info_kind?: string };
    }[];
    expect(link[0]).toMatchObject({ ifalias: 'lvs-operator realserver', linkinfo: { info_kind: 'dummy' } });
    expect(await runOk(['ip', '-o', '-4', 'addr', 'show', 'dev', 'lvs0'])).toContain(
      `inet ${VIP}/32 scope global lvs0:lvs`,
    );
    expect([await sysctl('lvs0/arp_ignore'), await sysctl('lvs0/arp_announce')]).toEqual(['1', '2']);
    expect((await pass([service('web', 'DR', { device: 'lvs0' })])).writes).toBe(0);
  });

  it('switching the service to Tunnel: the dummy goes, an ipip device on the real server address takes the VIP', async () => {
    const report = await pass([service('web', 'TUN', { mode: 'Tunnel' })]);
    expect(report.failures).toEqual([]);
    expect(report.vips).toMatchObject([{ vip: VIP, mode: 'Tunnel', configured: true }]);
    const links = await runOk(['ip', '-o', 'link', 'show']);
    expect(links).not.toContain('lvs0');
    const dev = JSON.parse(await runOk(['ip', '-d', '-j', 'link', 'show', 'dev', 'lvsip-0a4f0005'])) as {
      linkinfo?: { info_kind?: string; info_data?: { local?: string } };
    }[];
    expect(dev[0]?.linkinfo).toMatchObject({ info_kind: 'ipip', info_data: { local: BACKEND } });
    expect([await sysctl('all/rp_filter'), await sysctl('lvsip-0a4f0005/rp_filter')]).toEqual(['2', '2']);
  });

  it('an ipip packet to the VIP comes in through the device and the listener answers', async () => {
    expect(await fetchFromDirector(VIP, 8080)).toBe('backend\n');
    const stats = JSON.parse(await runOk(['ip', '-s', '-j', 'link', 'show', 'dev', 'lvsip-0a4f0005'])) as {
      stats64?: { rx?: { packets?: number } };
    }[];
    expect(stats[0]?.stats64?.rx?.packets ?? 0).toBeGreaterThan(0);
  });

  it('a restarted instance adopts the tunnel with zero writes', async () => {
    const report = await pass([service('web', 'TUN', { mode: 'Tunnel' })]);
    expect(report.writes).toBe(0);
  });

  it('IptablesRedirect through iptables-legacy: packets to the VIP via the backend reach the listener', async () => {
    const vip = '10.79.1.110';
    const redirect = VirtualServerSchema.parse({
      apiVersion: 'lvs.io/v1alpha1',
      kind: 'VirtualServer',
      metadata: { name: 'web-redirect' },
      spec: {
        addresses: [{ ip: vip, port: 8080 }],
        forwarding: 'DR',
        scheduler: 'rr',
        realServers: [{ address: BACKEND, acceptVIP: { mode: 'IptablesRedirect', perPort: true } }],
      },
    });
    const report = await pass([service('web', 'TUN', { mode: 'Tunnel' }), redirect]);
    expect(report.failures).toEqual([]);
    expect(report.vips.map((v) => [v.vip, v.configured])).toEqual([
      [VIP, true],
      [vip, true],
    ]);
    expect(await runOk(['iptables-legacy', '-w', '-t', 'nat', '-S'])).toContain(
      `-A LVS-REDIRECT -d ${vip}/32 -p tcp -m tcp --dport 8080 -j REDIRECT`,
    );
    await runOk(['ip', '-n', DIR_NS, 'route', 'add', `${vip}/32`, 'via', BACKEND]);
    try {
      expect(await fetchFromDirector(vip, 8080)).toBe('backend\n');
    } finally {
      await run(['ip', '-n', DIR_NS, 'route', 'del', `${vip}/32`]);
    }
    expect((await pass([service('web', 'TUN', { mode: 'Tunnel' }), redirect])).writes).toBe(0);
  });

  it('removal: the device and VIP are gone and rp_filter and the arp sysctls are back to their values', async () => {
    const report = await pass([]);
    expect(report.failures).toEqual([]);
    const after: Record<string, unknown> = {
      allRp: await sysctl('all/rp_filter'),
      allArpIgnore: await sysctl('all/arp_ignore'),
      allArpAnnounce: await sysctl('all/arp_announce'),
      links: await linkNames(),
      addresses: await runOk(['ip', '-o', '-4', 'addr', 'show']),
      nat: await runOk(['iptables-legacy', '-w', '-t', 'nat', '-S']),
    };
    // One assertion per field, so a failure names what was left behind.
    for (const [field, value] of Object.entries(before)) expect(after[field], field).toEqual(value);
    expect(await fetchFromDirector(VIP, 8080)).toBeUndefined();
  });
});
