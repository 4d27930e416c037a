import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/core/clock.js';
import { silentLogger } from '../../../src/core/logger.js';
import type { IpvsClient } from '../../../src/ipvs/client.js';
import { createNetlinkClient } from '../../../src/ipvs/netlink-client.js';
import { MemoryOwnershipStore } from '../../../src/ipvs/ownership.js';
import { IpvsReconciler } from '../../../src/ipvs/reconciler.js';
import type { DesiredService } from '../../../src/ipvs/types.js';
import { ipvsadm, loadIpvsModules, lvsctl, modprobe, sh } from './kernel-shell.js';

// client namespace -> IPVS NAT (this kernel's root namespace is the director) -> two backends.
//   lvs-ipvs-cl   10.77.1.2  --- veth-cl  10.77.1.1 (+ VIP 10.77.1.100)
//   lvs-ipvs-be1  10.77.2.2  --- veth-be1 10.77.2.1
//   lvs-ipvs-be2  10.77.3.2  --- veth-be2 10.77.3.1
const VIP = '10.77.1.100';
const REQUESTS = 40;

const SERVER = `
const name = process.argv[1];
require('node:net').createServer((s) => {
  s.once('data', () => s.end('HTTP/1.0 200 OK\\r\\n\\r\\n' + name));
  s.on('error', () => {});
}).listen(8080, () => console.log('listening'));
`;

const CLIENT = `
const net = require('node:net');
const n = Number(process.argv[1]);
const counts = {};
(async () => {
  for (let i = 0; i < n; i++) {
    const body = await new Promise((resolve, reject) => {
      let data = '';
      const s = net.connect(80, '${VIP}', () => s.write('GET / HTTP/1.0\\r\\n\\r\\n'));
      s.setEncoding('utf8');
      s.on('data', (d) => (data += d));
      s.on('end', () => resolve(data.split('\\r\\n\\r\\n')[1]));
      s.on('error', reject);
    });
    counts[body] = (counts[body] ?? 0) + 1;
  }
  console.log(JSON.stringify(counts));
})();
`;

function netns(name: string, ...cmd: string[]): string {
  return sh('ip', ['netns', 'exec', name, ...cmd]);
}

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, host, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

describe('traffic through IPVS NAT', () => {
  const servers: ChildProcess[] = [];
  let client: IpvsClient;

  beforeAll(async () => {
    loadIpvsModules();
    modprobe('veth');
    sh('sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1']);
    sh('ip', ['netns', 'add', 'lvs-ipvs-cl']);
    sh('ip', ['link', 'add', 'veth-cl', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', 'lvs-ipvs-cl']);
    sh('ip', ['addr', 'add', '10.77.1.1/24', 'dev', 'veth-cl']);
    sh('ip', ['addr', 'add', `${VIP}/32`, 'dev', 'veth-cl']);
    sh('ip', ['link', 'set', 'veth-cl', 'up']);
    netns('lvs-ipvs-cl', 'ip', 'addr', 'add', '10.77.1.2/24', 'dev', 'eth0');
    netns('lvs-ipvs-cl', 'ip', 'link', 'set', 'eth0', 'up');
    netns('lvs-ipvs-cl', 'ip', 'link', 'set', 'lo', 'up');
    for (const i of [1, 2]) {
      const ns = `lvs-ipvs-be${i}`;
      sh('ip', ['netns', 'add', ns]);
      sh('ip', ['link', 'add', `veth-be${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      sh('ip', ['addr', 'add', `10.77.${i + 1}.1/24`, 'dev', `veth-be${i}`]);
      sh('ip', ['link', 'set', `veth-be${i}`, 'up']);
      netns(ns, 'ip', 'addr', 'add', `10.77.${i + 1}.2/24`, 'dev', 'eth0');
      netns(ns, 'ip', 'link', 'set', 'eth0', 'up');
      netns(ns, 'ip', 'link', 'set', 'lo', 'up');
      // NAT: replies must return through the director.
      netns(ns, 'ip', 'route', 'add', 'default', 'via', `10.77.${i + 1}.1`);
      servers.push(spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', SERVER, `be${i}`], { stdio: 'ignore' }));
    }
    const deadline = Date.now() + 60_000;
    for (const i of [1, 2]) {
      while (!(await reachable(`10.77.${i + 1}.2`, 8080))) {
        if (Date.now() > deadline) throw new Error(`backend be${i} did not start`);
        await sleep(50);
      }
    }
    client = await createNetlinkClient({ log: silentLogger() });
  });

  afterAll(() => {
    client?.close();
    for (const s of servers) s.kill('SIGKILL');
    for (const ns of ['lvs-ipvs-cl', 'lvs-ipvs-be1', 'lvs-ipvs-be2']) {
      try {
        sh('ip', ['netns', 'del', ns]);
      } catch {
        // Already gone.
      }
    }
  });

  it('balances requests over both backends and the counters match what was sent', async () => {
    ipvsadm('-C');
    const desired: DesiredService[] = [
      {
        key: { kind: 'addr', af: 'inet', protocol: 'tcp', address: VIP, port: 80 },
        scheduler: 'rr',
        flags: 0,
        timeoutMs: 0,
        netmask: 0xffffffff,
        peName: '',
        destinations: [2, 3].map((n) => ({
          key: { af: 'inet' as const, address: `10.77.${n}.2`, port: 8080 },
          forwarding: 'masq' as const,
          weight: 1,
          upperThreshold: 0,
          lowerThreshold: 0,
          tunnelType: 'ipip' as const,
          tunnelPort: 0,
          tunnelFlags: 0,
        })),
      },
    ];
    const reconciler = new IpvsReconciler({
      client,
      log: silentLogger(),
      clock: systemClock,
      ownership: new MemoryOwnershipStore(),
    });
    expect((await reconciler.setDesired(desired)).failed).toEqual([]);

    const counts = JSON.parse(netns('lvs-ipvs-cl', process.execPath, '-e', CLIENT, String(REQUESTS))) as Record<
      string,
      number
    >;
    expect(counts).toEqual({ be1: REQUESTS / 2, be2: REQUESTS / 2 });

    // The kernel folds per-CPU counters into what it reports every 2 s (the rate estimator's
    // timer, ip_vs_est.c): wait for the total to appear.
    let [svc] = await client.dump();
    for (const deadline = Date.now() + 20_000; svc?.stats.conns !== BigInt(REQUESTS) && Date.now() < deadline;) {
      await sleep(200);
      [svc] = await client.dump();
    }
    expect(svc?.stats.conns).toBe(BigInt(REQUESTS));
    expect(svc?.destinations.map((d) => d.stats.conns)).toEqual([BigInt(REQUESTS / 2), BigInt(REQUESTS / 2)]);
    // Every request is at least SYN, request, ACKs and FIN in, and a reply out (NAT sees both).
    expect(svc?.stats.inPkts).toBeGreaterThanOrEqual(BigInt(REQUESTS * 4));
    expect(svc?.stats.outPkts).toBeGreaterThanOrEqual(BigInt(REQUESTS * 2));

    const stats = ipvsadm('-Ln', '--stats');
    expect(stats).toMatch(new RegExp(`TCP  ${VIP.replace(/\./g, '\\.')}:80 +${REQUESTS} `));
    for (const flags of [['--stats'], ['--stats', '--exact'], []]) {
      const ours = await lvsctl('ipvs', 'list', '-n', ...flags);
      expect(ours.stdout).toBe(ipvsadm('-Ln', ...flags));
    }
  });
});
