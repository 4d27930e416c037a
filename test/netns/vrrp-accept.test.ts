/**
 * RFC 5798 §6.1 Accept_Mode: a non-owner master without it holds the VIP (and answers ARP for
 * it) but does not accept traffic to it; with it, it does. Judged by a real TCP connection from
 * a client namespace.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { NetnsLab } from '../support/netns.js';
import { describeAsRoot } from '../support/privileges.js';
import { clearVips, startKeepalived, startOurs, waitForHolder, type Peer } from './vrrp-peers.js';

const VIP = '10.77.5.100';
const NODES = ['a', 'b'];

describeAsRoot('VRRP Accept_Mode', () => {
  let lab: NetnsLab;
  let peers: Peer[] = [];

  beforeAll(async () => {
    lab = await NetnsLab.create('lvs-vrrp-');
    await lab.addNode('a', { ipv4: '10.77.5.1/24' });
    await lab.addNode('b', { ipv4: '10.77.5.2/24' });
    await lab.addNode('client', { ipv4: '10.77.5.9/24' });
    lab.spawn('a', [process.execPath, '-e', "require('net').createServer((s) => s.end('ok')).listen(7777)"]);
  });

  afterEach(async () => {
    await Promise.all(peers.map((p) => p.crash()));
    peers = [];
    await clearVips(lab, NODES, [VIP]);
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  async function connects(): Promise<boolean> {
    const script =
      `const s = require('net').connect(7777, '${VIP}'); s.setTimeout(1000);` +
      "s.on('data', () => process.exit(0)); s.on('timeout', () => process.exit(3)); s.on('error', () => process.exit(4));";
    return (await lab.exec('client', [process.execPath, '-e', script])).code === 0;
  }

  it.each([
    { acceptMode: false, expected: false },
    { acceptMode: true, expected: true },
  ])(
    'acceptMode $acceptMode: the client connects to the VIP on the master: $expected',
    async ({ acceptMode, expected }) => {
      const o = { vrid: 51, version: 3 as const, advertIntervalMs: 100, preempt: true, vips: [`${VIP}/32`] };
      peers.push(startOurs(lab, 'a', { ...o, priority: 150 }, { acceptMode }));
      peers.push(startKeepalived(lab, 'b', { ...o, priority: 100 }));
      await waitForHolder(lab, NODES, VIP, 'a');
      const set = await lab.exec('a', ['nft', 'list', 'set', 'inet', 'lvs_vrrp_accept', 'vips4']);
      expect(set.stdout.includes(VIP)).toBe(!acceptMode);
      expect(await connects()).toBe(expected);
      // The reachable real address proves the client and the server work either way.
      const direct = await lab.exec('client', [
        process.execPath,
        '-e',
        "const s = require('net').connect(7777, '10.77.5.1'); s.on('data', () => process.exit(0)); s.on('error', () => process.exit(4));",
      ]);
      expect(direct.code).toBe(0);
    },
  );
});
