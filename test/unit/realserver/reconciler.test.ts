import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { RealServer, VirtualServer } from '../../../src/api/index.js';
import { silentLogger } from '../../../src/core/logger.js';
import { buildModel } from '../../../src/model/index.js';
import { RealserverMetrics } from '../../../src/realserver/metrics.js';
import { RealserverReconciler } from '../../../src/realserver/reconciler.js';
import { sysctlName } from '../../../src/net/index.js';
import { conf, fakeNode, rs, vs, type FakeNode } from './fake-node.js';

const VIP = '192.168.105.253';

function reconciler(n: FakeNode, registry = new Registry()): RealserverReconciler {
  return new RealserverReconciler({
    nodeName: 'backend-1',
    ports: n.ports,
    log: silentLogger(),
    metrics: new RealserverMetrics(registry),
  });
}

const input = (virtualServers: VirtualServer[], realServers: RealServer[] = []) =>
  buildModel([...virtualServers, ...realServers], () => undefined);
const drWeb = (acceptVIP?: Record<string, unknown>, ip = VIP) =>
  vs(`web-${ip}`, {
    addresses: [{ ip, port: 80 }],
    forwarding: 'DR',
    realServers: [{ address: '10.0.0.5', ...(acceptVIP ? { acceptVIP } : {}) }],
  });
const arp = (n: FakeNode, iface: string) => [
  n.sysctls.get(conf(iface, 'arp_ignore')),
  n.sysctls.get(conf(iface, 'arp_announce')),
];

describe('RealserverReconciler with fakes', () => {
  it('Loopback: VIP on lo with our label after the arp sysctls; a second pass writes nothing', async () => {
    const n = fakeNode();
    const r = reconciler(n);
    const first = await r.pass(input([drWeb()]));
    expect(first.failures).toEqual([]);
    expect(n.sysctls.writes.map((w) => `${sysctlName(w.path)}=${w.value}`)).toEqual([
      'net.ipv4.conf.all.arp_ignore=1',
      'net.ipv4.conf.all.arp_announce=2',
      'net.ipv4.conf.lo.arp_ignore=1',
      'net.ipv4.conf.lo.arp_announce=2',
    ]);
    expect(n.addresses.entries.find((e) => e.address === VIP)).toMatchObject({ ifindex: 1, label: 'lo:lvs' });
    expect(first.vips).toMatchObject([{ vip: VIP, mode: 'Loopback', configured: true }]);
    const before = n.writes();
    const saves = n.state.saves;
    const second = await r.pass(input([drWeb()]));
    expect(second.writes).toBe(0);
    expect(n.writes()).toBe(before);
    expect(n.state.saves).toBe(saves);
  });

  it('removal restores the original sysctl values exactly and touches nothing else', async () => {
    const n = fakeNode();
    n.sysctls.set(conf('lo', 'arp_announce'), 1);
    n.sysctls.set(conf('all', 'rp_filter'), 2);
    n.addresses.entries.push({
      ifindex: 1,
      family: 4,
      address: '192.168.105.99',
      prefixLength: 32,
      label: 'lo',
      secondary: true,
      scope: 0,
    });
    const beforeValues = new Map(n.sysctls.values);
    const beforeAddresses = n.addresses.entries.map((e) => ({ ...e }));
    const r = reconciler(n);
    await r.pass(input([drWeb()]));
    expect(arp(n, 'all')).toEqual([1, 2]);
    const removed = await r.pass(input([]));
    expect(removed.failures).toEqual([]);
    expect(n.sysctls.values).toEqual(beforeValues);
    expect(n.addresses.entries).toEqual(beforeAddresses);
    expect(r.currentState).toEqual({ version: 1, addresses: [], devices: [], sysctls: [] });
  });

  it('a new instance on the same state record adopts everything with zero writes, then removes it exactly', async () => {
    const n = fakeNode();
    n.sysctls.set(conf('all', 'arp_announce'), 1);
    const original = new Map(n.sysctls.values);
    await reconciler(n).pass(input([drWeb(), drWeb({ mode: 'IptablesRedirect' }, '192.168.105.254')]));
    const writes = n.writes();
    const restarted = reconciler(n);
    const again = await restarted.pass(input([drWeb(), drWeb({ mode: 'IptablesRedirect' }, '192.168.105.254')]));
    expect(again.writes).toBe(0);
    expect(n.writes()).toBe(writes);
    expect(again.vips.every((v) => v.configured)).toBe(true);
    await reconciler(n).pass(input([]));
    expect(n.sysctls.values).toEqual(original);
    expect(n.addresses.entries.map((e) => e.address)).toEqual(['127.0.0.1', '10.0.0.5']);
    expect(n.rules.tableExists).toBe(false);
  });

  it('without a state record, labelled VIPs are adopted and removed; a corrupt record is replaced', async () => {
    const n = fakeNode();
    await reconciler(n).pass(input([drWeb()]));
    n.state.text = '{"version": 2}';
    const r = reconciler(n);
    const adopted = await r.pass(input([drWeb()]));
    expect(adopted.writes).toBe(0);
    expect(r.currentState.addresses).toEqual([{ device: 'lo', address: VIP, prefixLength: 32 }]);
    await r.pass(input([]));
    expect(n.addresses.entries.some((e) => e.address === VIP)).toBe(false);
  });

  it('a VIP put on lo by hand is used and left in place on removal', async () => {
    const n = fakeNode();
    n.addresses.entries.push({
      ifindex: 1,
      family: 4,
      address: VIP,
      prefixLength: 32,
      label: 'lo',
      secondary: true,
      scope: 0,
    });
    const r = reconciler(n);
    const report = await r.pass(input([drWeb()]));
    expect(report.vips[0]?.configured).toBe(true);
    expect(n.addresses.ops).toEqual([]);
    await r.pass(input([]));
    expect(n.addresses.entries.some((e) => e.address === VIP)).toBe(true);
  });

  it('no VIP is added while the arp sysctls on all cannot be raised; other services still proceed; the next pass retries', async () => {
    const registry = new Registry();
    const n = fakeNode();
    n.sysctls.failOn = { op: 'write', errnoName: 'EPERM', path: conf('all', 'arp_ignore') };
    const r = reconciler(n, registry);
    const objects = input([drWeb(), drWeb({ mode: 'IptablesRedirect' }, '192.168.105.254')]);
    const failed = await r.pass(objects);
    expect(n.addresses.entries.some((e) => e.address === VIP)).toBe(false);
    expect(n.rules.rules.map((x) => x.rule?.vip)).toEqual(['192.168.105.254']);
    const lo = failed.vips.find((v) => v.vip === VIP);
    expect(lo?.configured).toBe(false);
    expect(lo?.message).toBe(
      'net.ipv4.conf.all.arp_ignore is 0, needs at least 1: write net.ipv4.conf.all.arp_ignore = 1 failed: EPERM',
    );
    expect(failed.vips.find((v) => v.vip === '192.168.105.254')?.configured).toBe(true);
    const metrics = await registry.getSingleMetricAsString('lvs_realserver_sync_errors_total');
    expect(metrics).toContain('lvs_realserver_sync_errors_total{op="setSysctl"} 1');
    expect(metrics).toContain('lvs_realserver_sync_errors_total{op="addAddress"} 1');
    n.sysctls.failOn = undefined;
    const retried = await r.pass(objects);
    expect(retried.vips.every((v) => v.configured)).toBe(true);
    expect(await registry.getSingleMetricAsString('lvs_realserver_vips')).toContain(
      'lvs_realserver_vips{mode="Loopback"} 1',
    );
  });

  it('an arp sysctl is not restored while the VIP could not be removed', async () => {
    const n = fakeNode();
    const r = reconciler(n);
    await r.pass(input([drWeb()]));
    n.addresses.failOn = { op: 'remove', errnoName: 'EPERM' };
    const report = await r.pass(input([]));
    expect(report.failures.map((f) => f.op.op)).toEqual([
      'removeAddress',
      'restoreSysctl',
      'restoreSysctl',
      'restoreSysctl',
      'restoreSysctl',
    ]);
    expect(arp(n, 'all')).toEqual([1, 2]);
    n.addresses.failOn = undefined;
    await r.pass(input([]));
    expect(arp(n, 'all')).toEqual([0, 0]);
  });

  it('a VIP removed by hand is put back on the next pass (drift)', async () => {
    const n = fakeNode();
    const r = reconciler(n);
    await r.pass(input([drWeb()]));
    n.addresses.entries.splice(
      n.addresses.entries.findIndex((e) => e.address === VIP),
      1,
    );
    const report = await r.pass(input([drWeb()]));
    expect(report.writes).toBe(1);
    expect(n.addresses.entries.some((e) => e.address === VIP && e.label === 'lo:lvs')).toBe(true);
  });

  it('a sysctl changed by an administrator after us is not restored', async () => {
    const n = fakeNode();
    const r = reconciler(n);
    await r.pass(input([drWeb()]));
    n.sysctls.set(conf('all', 'arp_ignore'), 8);
    await r.pass(input([]));
    expect(n.sysctls.get(conf('all', 'arp_ignore'))).toBe(8);
    expect(n.sysctls.get(conf('all', 'arp_announce'))).toBe(0);
  });

  it('dummy device: created, marked, given the VIP and its sysctls in one pass; removed with them', async () => {
    const n = fakeNode();
    const r = reconciler(n);
    const report = await r.pass(input([drWeb({ device: 'lvs0' })]));
    expect(report.failures).toEqual([]);
    const dev = n.devices.devices.find((d) => d.name === 'lvs0');
    expect(dev).toMatchObject({ kind: 'dummy', marked: true });
    expect(n.addresses.entries.find((e) => e.address === VIP)).toMatchObject({
      ifindex: dev?.ifindex,
      label: 'lvs0:lvs',
    });
    expect(arp(n, 'lvs0')).toEqual([1, 2]);
    expect(report.vips[0]?.configured).toBe(true);
    expect((await r.pass(input([drWeb({ device: 'lvs0' })]))).writes).toBe(0);
    n.devices.setDown('lvs0');
    const again = await r.pass(input([drWeb({ device: 'lvs0' })]));
    expect(n.devices.ops.at(-1)).toEqual({ op: 'setUp', name: 'lvs0' });
    expect(again.vips[0]?.configured).toBe(true);
    await r.pass(input([]));
    expect(n.devices.devices.map((d) => d.name)).toEqual(['lo', 'eth0']);
    expect(arp(n, 'all')).toEqual([0, 0]);
    expect(r.currentState).toEqual({ version: 1, addresses: [], devices: [], sysctls: [] });
  });

  it('dummy device on a kernel without the type: not configured, with the reason', async () => {
    const n = fakeNode({ kinds: [] });
    const report = await reconciler(n).pass(input([drWeb({ device: 'lvs0' })]));
    expect(report.vips[0]).toMatchObject({
      configured: false,
      message: 'device lvs0 (dummy) is missing: the kernel has no dummy device type',
    });
  });

  it('a Loopback device that is a real interface of the node is refused, not given the VIP', async () => {
    const n = fakeNode();
    const report = await reconciler(n).pass(input([drWeb({ device: 'eth0' })]));
    expect(n.addresses.entries.some((e) => e.address === VIP)).toBe(false);
    expect(n.devices.ops).toEqual([]);
    expect(n.sysctls.writes.map((w) => w.path[3])).not.toContain('eth0');
    expect(report.vips[0]).toMatchObject({
      configured: false,
      message: 'device eth0 exists and is a veth device, not dummy: the VIP would be answered in ARP there',
    });
  });

  it('Tunnel: ipip device with the real server address as local, rp_filter loose, the VIP on it', async () => {
    const n = fakeNode();
    n.sysctls.set(conf('all', 'rp_filter'), 1);
    n.sysctls.set(conf('default', 'rp_filter'), 1);
    const tun = vs('tun', {
      addresses: [{ ip: VIP, port: 80 }],
      forwarding: 'TUN',
      realServers: [{ address: '10.0.0.5', acceptVIP: { mode: 'Tunnel' } }],
    });
    const r = reconciler(n);
    const report = await r.pass(input([tun]));
    expect(report.failures).toEqual([]);
    expect(n.devices.devices.find((d) => d.name === 'lvsip-0a000005')).toMatchObject({
      kind: 'ipip',
      local: '10.0.0.5',
    });
    expect(n.sysctls.get(conf('all', 'rp_filter'))).toBe(2);
    expect(n.sysctls.get(conf('lvsip-0a000005', 'rp_filter'))).toBe(2);
    expect(report.vips[0]?.configured).toBe(true);
    await r.pass(input([]));
    expect(n.sysctls.get(conf('all', 'rp_filter'))).toBe(1);
    expect(n.devices.devices.map((d) => d.name)).toEqual(['lo', 'eth0']);
  });

  it('IptablesRedirect: rules in our table only, and the table goes with the last one', async () => {
    const n = fakeNode();
    const r = reconciler(n);
    await r.pass(input([drWeb({ mode: 'IptablesRedirect', perPort: true })]));
    expect(n.rules.rules.map((x) => x.rule)).toEqual([{ family: 4, vip: VIP, protocol: 'tcp', port: 80 }]);
    expect(n.sysctls.writes).toEqual([]);
    await r.pass(input([]));
    expect(n.rules.tableExists).toBe(false);
  });

  it('without nftables, REDIRECT entries report why and the other modes go on', async () => {
    const registry = new Registry();
    const n = fakeNode();
    n.rules.failOn = { op: 'list', message: 'Unable to initialize Netlink socket: Protocol not supported' };
    const report = await reconciler(n, registry).pass(
      input([drWeb(), drWeb({ mode: 'IptablesRedirect' }, '192.168.105.254')]),
    );
    expect(report.vips.map((v) => [v.vip, v.configured, v.message])).toEqual([
      [VIP, true, undefined],
      [
        '192.168.105.254',
        false,
        'REDIRECT rules unavailable: nft list failed (exit 1): Unable to initialize Netlink socket: Protocol not supported',
      ],
    ]);
    expect(n.rules.ops).toEqual([]);
    expect(await registry.getSingleMetricAsString('lvs_realserver_sync_errors_total')).toContain('op="listRules"} 1');
  });

  it('a RealServer whose VIP lost a conflict shows it as not configured, with the issue', async () => {
    const n = fakeNode();
    const first = vs('a-web', {
      addresses: [{ ip: VIP, port: 80 }],
      forwarding: 'DR',
      realServers: [{ address: '10.0.0.5' }],
    });
    const second = vs('b-web', {
      addresses: [{ ip: VIP, port: 8080 }],
      forwarding: 'DR',
      realServerSelector: { matchLabels: { app: 'web' } },
    });
    const report = await reconciler(n).pass(
      input([first, second], [rs('rs-1', { address: '10.0.0.5', acceptVIP: { mode: 'IptablesRedirect' } })]),
    );
    expect(report.realServers).toEqual([
      {
        realServer: { kind: 'RealServer', namespace: 'default', name: 'rs-1' },
        vips: [
          {
            vip: VIP,
            mode: 'IptablesRedirect',
            configured: false,
            message:
              'VIP 192.168.105.253 is already accepted with Loopback on lo for VirtualServer default/a-web; RealServer default/rs-1 asks for IptablesRedirect (perPort false)',
          },
        ],
      },
    ]);
    expect(n.rules.ops).toEqual([]);
  });

  it('an ipip device of ours with a stale local address is made again within one pass', async () => {
    const n = fakeNode();
    const tun = (address: string) =>
      vs('tun', {
        addresses: [{ ip: VIP, port: 80 }],
        forwarding: 'TUN',
        realServers: [{ address, node: 'backend-1', acceptVIP: { mode: 'Tunnel', device: 'tun-web' } }],
      });
    const r = reconciler(n);
    await r.pass(input([tun('10.0.0.6')]));
    const report = await r.pass(input([tun('10.0.0.5')]));
    expect(report.failures).toEqual([]);
    expect(n.devices.devices.find((d) => d.name === 'tun-web')).toMatchObject({ kind: 'ipip', local: '10.0.0.5' });
    expect(report.vips[0]?.configured).toBe(true);
  });

  it('reports the VIPs of each RealServer object of this node', async () => {
    const n = fakeNode();
    const service = vs('web', {
      addresses: [{ ip: VIP, port: 80 }],
      forwarding: 'DR',
      realServerSelector: { matchLabels: { app: 'web' } },
    });
    const report = await reconciler(n).pass(
      input([service], [rs('rs-1', { address: '10.0.0.5' }), rs('rs-2', { address: '10.0.0.6' })]),
    );
    expect(report.realServers).toEqual([
      {
        realServer: { kind: 'RealServer', namespace: 'default', name: 'rs-1' },
        vips: [{ vip: VIP, mode: 'Loopback', configured: true }],
      },
    ]);
  });
});
