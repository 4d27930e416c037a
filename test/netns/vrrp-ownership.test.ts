/**
 * The speaker removes only what it added. A node's own address that a VrrpGroup names as a
 * VIP survives start, takeover and a graceful stop, and is reported as a conflict; a VIP a
 * crashed run added (proved by the record alone: no label fits the interface name) is
 * removed at the next start, next to an administrator's address that stays.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { NetnsLab, waitFor } from '../support/netns.js';
import { describeAsRoot } from '../support/privileges.js';
import { startOurs, type Peer, type PeerOptions } from './vrrp-peers.js';

/** Long enough that `<iface>:vrrp52` exceeds IFNAMSIZ: the VIPs carry no label (a veth: no dummy module here). */
const DUMMY = 'lvsveth-own0';
const PEER_END = 'lvsveth-own1';

const base: PeerOptions = {
  vrid: 51,
  version: 3,
  priority: 150,
  advertIntervalMs: 100,
  preempt: true,
  vips: [],
  garpDelayMs: 0,
  garpRepeat: 1,
};

describeAsRoot('VRRP VIP ownership on the host kernel', () => {
  let lab: NetnsLab;
  let peers: Peer[] = [];

  beforeAll(async () => {
    lab = await NetnsLab.create('lvs-own-');
    await lab.addNode('a', { ipv4: '10.78.0.1/24' });
  });

  afterEach(async () => {
    await Promise.all(peers.map((p) => p.crash()));
    peers = [];
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  /** IPv4 addresses of an interface of node a, sorted (the IPv6 link-local is the kernel's). */
  const v4 = async (iface = 'eth0') => (await lab.addresses('a', iface)).filter((a) => !a.includes(':')).sort();
  const has = async (iface: string, address: string) => (await v4(iface)).includes(address);

  it("a VIP equal to the node's own address is never removed, and is reported", async () => {
    await lab.exec1('a', ['ip', 'addr', 'add', '10.78.0.5/24', 'dev', 'eth0']);
    const p = startOurs(lab, 'a', { ...base, vips: ['10.78.0.5/32', '10.78.0.100/32'] });
    peers.push(p);
    await waitFor(() => has('eth0', '10.78.0.100/32'), { what: 'takeover of 10.78.0.100', timeoutMs: 10_000 });
    expect(await v4()).toEqual(['10.78.0.1/24', '10.78.0.100/32', '10.78.0.5/24']);
    expect(await p.metrics()).toMatch(/^lvs_vrrp_vip_conflicts\{group="default\/vi51",vrid="51"\} 1$/m);
    await p.stop();
    expect(await v4()).toEqual(['10.78.0.1/24', '10.78.0.5/24']);
    expect(p.log.join('\n')).toContain('virtual address conflict');
  });

  it("a crashed run's VIP is removed at the next start by the record; an administrator's stays", async () => {
    await lab.exec1('a', ['ip', 'link', 'add', DUMMY, 'type', 'veth', 'peer', 'name', PEER_END]);
    await lab.exec1('a', ['ip', 'addr', 'add', '10.79.0.1/24', 'dev', DUMMY]);
    await lab.exec1('a', ['ip', 'link', 'set', PEER_END, 'up']);
    await lab.exec1('a', ['ip', 'link', 'set', DUMMY, 'up']);
    const record = `${lab.dir}/vrrp-vips.json`;
    const on = { ...base, vrid: 52, iface: DUMMY, unicastPeers: ['10.79.0.2'] };

    const first = startOurs(lab, 'a', { ...on, vips: ['10.79.0.200/32'] }, {}, ['--vip-record', record]);
    peers.push(first);
    await waitFor(() => has(DUMMY, '10.79.0.200/32'), { what: 'takeover of 10.79.0.200', timeoutMs: 10_000 });
    await waitFor(() => existsSync(record) && readFileSync(record, 'utf8').includes('10.79.0.200'), {
      what: 'the record of 10.79.0.200',
    });
    await first.crash();
    expect(await has(DUMMY, '10.79.0.200/32')).toBe(true);

    await lab.exec1('a', ['ip', 'addr', 'add', '10.79.0.201/32', 'dev', DUMMY]);
    const second = startOurs(lab, 'a', { ...on, vips: ['10.79.0.201/32', '10.79.0.202/32'] }, {}, [
      '--vip-record',
      record,
    ]);
    peers.push(second);
    await waitFor(() => has(DUMMY, '10.79.0.202/32'), { what: 'takeover of 10.79.0.202', timeoutMs: 10_000 });
    expect(await v4(DUMMY)).toEqual(['10.79.0.1/24', '10.79.0.201/32', '10.79.0.202/32']);
    await second.stop();
    expect(await v4(DUMMY)).toEqual(['10.79.0.1/24', '10.79.0.201/32']);
    expect(JSON.parse(readFileSync(record, 'utf8'))).toMatchObject({ version: 1, vips: [] });
  });
});
