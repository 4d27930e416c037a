/**
 * Inside the kernel harness (Linux 6.1 with IPVS): `lvs-operator standalone --role director`
 * as a real process with a VrrpGroup (authenticated) and a NAT VirtualServer with two real
 * servers in namespaces, read with `lvsctl status` as the engineer on call does: MASTER, the
 * service with its destinations and the kernel's rates under traffic, health up; then one real
 * server down, with its reason and weight 0, in JSON and in the table. Nothing of the VRRP
 * password reaches the document. Everything here dies with the guest.
 *
 *   client ns lvs-st-cl  10.78.1.2 --- veth-stc  10.78.1.1 (+ VIP 10.78.1.100 from VRRP)
 *   backend lvs-st-be1   10.78.2.2 --- veth-stb1 10.78.2.1
 *   backend lvs-st-be2   10.78.3.2 --- veth-stb2 10.78.3.1
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseStatusDocument, type NodeStatusDocument } from '../../../src/status/index.js';
import { waitFor } from '../../support/netns.js';
import { loadIpvsModules, lvsctl, modprobe, sh, standaloneDirectorArgs } from './kernel-shell.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const URL_ = 'http://127.0.0.1:9474';
const VIP = '10.78.1.100';
const PASSWORD = 'hunter22';
const work = mkdtempSync(join(tmpdir(), 'lvs-status-'));
const dir = join(work, 'manifests');
const log: string[] = [];
let agent: ChildProcess;
let client: ChildProcess | undefined;
const servers = new Map<string, ChildProcess>();

const MANIFESTS = `apiVersion: v1
kind: Secret
metadata: { name: vg-auth }
type: lvs.io/vrrp-auth
stringData: { password: '${PASSWORD}' }
---
apiVersion: lvs.io/v1alpha1
kind: VrrpGroup
metadata: { name: vg }
spec:
  virtualRouterId: 61
  interface: veth-stc
  priority: 150
  advertInterval: 1s
  authentication: { type: PASS, secretRef: { name: vg-auth, key: password } }
  virtualIPs: [{ address: ${VIP} }]
---
apiVersion: lvs.io/v1alpha1
kind: VirtualServer
metadata: { name: web }
spec:
  addresses: [{ ip: ${VIP}, port: 80 }]
  forwarding: NAT
  scheduler: wrr
  vrrpGroupRef: { name: vg }
  realServers:
    - address: 10.78.2.2
      port: 8080
      weight: 3
      inhibitOnFailure: true
      healthChecks: [{ type: TCP, interval: 1s, timeout: 1s, retry: 0 }]
    - address: 10.78.3.2
      port: 8080
      weight: 1
      inhibitOnFailure: true
      healthChecks: [{ type: TCP, interval: 1s, timeout: 1s, retry: 0 }]
`;

const SERVER = `
require('node:net').createServer((s) => {
  s.once('data', () => s.end('HTTP/1.0 200 OK\\r\\n\\r\\nok'));
  s.on('error', () => {});
}).listen(8080, () => console.log('listening'));
`;

// Connections to the VIP until killed, one at a time.
const CLIENT = `
const net = require('node:net');
const once = () => new Promise((resolve) => {
  const s = net.connect(80, '${VIP}', () => s.write('GET / HTTP/1.0\\r\\n\\r\\n'));
  s.on('data', () => {});
  s.on('close', resolve);
  s.on('error', () => {});
  s.setTimeout(1000, () => s.destroy());
});
(async () => { for (;;) await once(); })();
`;

const netns = (name: string, ...cmd: string[]) => sh('ip', ['netns', 'exec', name, ...cmd]);

function startServer(ns: string): Promise<void> {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', SERVER], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  servers.set(ns, child);
  return new Promise((resolve) => child.stdout.once('data', () => resolve()));
}

/** `lvsctl status -o json`, parsed with the document's schema. */
async function status(): Promise<NodeStatusDocument> {
  const r = await lvsctl('status', '--url', URL_, '-o', 'json');
  if (r.code !== 0) throw new Error(`lvsctl status: exit ${r.code}: ${r.stderr}`);
  const parsed = parseStatusDocument(JSON.parse(r.stdout));
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.document;
}

const service = (doc: NodeStatusDocument) =>
  doc.director?.ipvs.find((s) => s.address === VIP && s.port === 80 && s.protocol === 'TCP');
const health = (doc: NodeStatusDocument, address: string) =>
  doc.director?.virtualServers
    .find((v) => v.virtualServer === 'default/web')
    ?.realServers.find((r) => r.address === address);

beforeAll(async () => {
  loadIpvsModules();
  modprobe('veth');
  sh('sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1']);
  sh('ip', ['netns', 'add', 'lvs-st-cl']);
  sh('ip', ['link', 'add', 'veth-stc', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', 'lvs-st-cl']);
  sh('ip', ['addr', 'add', '10.78.1.1/24', 'dev', 'veth-stc']);
  sh('ip', ['link', 'set', 'veth-stc', 'up']);
  netns('lvs-st-cl', 'ip', 'addr', 'add', '10.78.1.2/24', 'dev', 'eth0');
  netns('lvs-st-cl', 'ip', 'link', 'set', 'eth0', 'up');
  netns('lvs-st-cl', 'ip', 'link', 'set', 'lo', 'up');
  for (const i of [1, 2]) {
    const ns = `lvs-st-be${i}`;
    sh('ip', ['netns', 'add', ns]);
    sh('ip', ['link', 'add', `veth-stb${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    sh('ip', ['addr', 'add', `10.78.${i + 1}.1/24`, 'dev', `veth-stb${i}`]);
    sh('ip', ['link', 'set', `veth-stb${i}`, 'up']);
    netns(ns, 'ip', 'addr', 'add', `10.78.${i + 1}.2/24`, 'dev', 'eth0');
    netns(ns, 'ip', 'link', 'set', 'eth0', 'up');
    netns(ns, 'ip', 'link', 'set', 'lo', 'up');
    // NAT: the replies go back through the director.
    netns(ns, 'ip', 'route', 'add', 'default', 'via', `10.78.${i + 1}.1`);
    await startServer(ns);
  }
  mkdirSync(dir);
  writeFileSync(join(dir, 'web.yaml'), MANIFESTS);
  agent = spawn(
    process.execPath,
    standaloneDirectorArgs({
      node: 'lb1',
      manifests: dir,
      stateDir: join(work, 'state'),
      metricsAddress: '127.0.0.1:9474',
    }),
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  for (const s of [agent.stdout, agent.stderr]) s?.on('data', (b: Buffer) => log.push(...b.toString().split('\n')));
}, 90_000);

afterAll(() => {
  client?.kill('SIGKILL');
  for (const s of servers.values()) s.kill('SIGKILL');
  agent.kill('SIGKILL');
});

it('an agent not started yet: exit 1, the message names the URL and the error', async () => {
  const r = await lvsctl('status', '--url', 'http://127.0.0.1:9475');
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('http://127.0.0.1:9475/status');
  expect(r.stderr).toContain('ECONNREFUSED');
});

it('MASTER, the service with its destinations, health up; no secret in the document', async () => {
  const doc = await waitFor(
    async () => {
      const d = await status();
      return d.director?.vrrp[0]?.state === 'MASTER' &&
        ['10.78.2.2', '10.78.3.2'].every((a) => health(d, a)?.health === 'Up')
        ? d
        : undefined;
    },
    { what: 'MASTER with both real servers up', timeoutMs: 60_000, intervalMs: 500 },
  ).catch((err: unknown) => {
    throw new Error(`${String(err)}\nagent log:\n${log.slice(-40).join('\n')}`);
  });
  expect(doc).toMatchObject({ version: 1, node: 'lb1', roles: ['director'] });
  expect(doc.director?.vrrp).toEqual([
    expect.objectContaining({
      group: 'default/vg',
      vrid: 61,
      interface: 'veth-stc',
      state: 'MASTER',
      priority: 150,
      effectivePriority: 150,
      master: 'self',
      virtualIPs: [`${VIP}/32`],
    }),
  ]);
  const svc = service(doc);
  expect(svc).toMatchObject({ scheduler: 'wrr', virtualServer: 'default/web' });
  // The kernel lists destinations in its own order.
  expect(
    [...(svc?.destinations ?? [])]
      .sort((a, b) => a.address.localeCompare(b.address))
      .map((d) => ({ address: d.address, port: d.port, forwarding: d.forwarding, weight: d.weight })),
  ).toEqual([
    { address: '10.78.2.2', port: 8080, forwarding: 'Masq', weight: 3 },
    { address: '10.78.3.2', port: 8080, forwarding: 'Masq', weight: 1 },
  ]);
  expect(health(doc, '10.78.2.2')).toMatchObject({ health: 'Up', weight: 3, configuredWeight: 3 });
  const raw = (await lvsctl('status', '--url', URL_, '-o', 'json')).stdout;
  expect(raw).not.toContain(PASSWORD);
  expect((await lvsctl('status', '--url', URL_, '-o', 'yaml')).stdout).not.toContain(PASSWORD);
}, 90_000);

it("traffic through the VIP: the kernel's rates per service and per destination", async () => {
  client = spawn('ip', ['netns', 'exec', 'lvs-st-cl', process.execPath, '-e', CLIENT], { stdio: 'ignore' });
  // The kernel's estimator runs every 2 s and smooths: wait for it to see the traffic.
  const doc = await waitFor(
    async () => {
      const d = await status();
      const s = service(d);
      return s && s.rates.cps > 0 && s.rates.inPps > 0 && s.destinations.every((x) => x.rates.inPps > 0)
        ? d
        : undefined;
    },
    { what: 'rates on the service and both destinations', timeoutMs: 60_000, intervalMs: 1000 },
  );
  const s = service(doc);
  expect(s?.totals.conns).toBeGreaterThan(0);
  expect(s?.rates.inBps).toBeGreaterThan(0);
  // NAT: the replies pass the director too.
  expect(s?.rates.outPps).toBeGreaterThan(0);
  client.kill('SIGKILL');
  client = undefined;
}, 90_000);

it('one real server down: its reason and weight 0 in JSON, and in the table', async () => {
  servers.get('lvs-st-be2')?.kill('SIGKILL');
  const doc = await waitFor(
    async () => {
      const d = await status();
      return health(d, '10.78.3.2')?.health === 'Down' ? d : undefined;
    },
    { what: '10.78.3.2 down', timeoutMs: 30_000, intervalMs: 500 },
  );
  const down = health(doc, '10.78.3.2');
  expect(down).toMatchObject({ health: 'Down', weight: 0, configuredWeight: 1 });
  expect(down?.reason).toMatch(/^refused/);
  expect(health(doc, '10.78.2.2')).toMatchObject({ health: 'Up', weight: 3 });
  // inhibitOnFailure: the destination stays in the table at weight 0.
  const inKernel = await waitFor(
    async () => service(await status())?.destinations.find((d) => d.address === '10.78.3.2' && d.weight === 0),
    { what: 'weight 0 in the kernel', timeoutMs: 10_000, intervalMs: 500 },
  );
  expect(inKernel.weight).toBe(0);
  // Events are derived once a second from what the node reports.
  const event = await waitFor(
    async () => (await status()).events.find((e) => e.reason === 'RealServerDown' && e.note.includes('10.78.3.2:8080')),
    { what: 'the RealServerDown event', timeoutMs: 10_000, intervalMs: 500 },
  );
  expect(event).toMatchObject({
    type: 'Warning',
    object: { kind: 'VirtualServer', namespace: 'default', name: 'web' },
    note: 'real server 10.78.3.2:8080 is down (seen by lb1)',
  });

  const table = await lvsctl('status', '--url', URL_);
  expect(table.code).toBe(0);
  const text = table.stdout;
  expect(text).toContain('Node lb1 (director)');
  expect(text).toMatch(/^ {2}default\/vg +61 veth-stc +MASTER +150 +this node +\d+[smhd]$/m);
  expect(text).toContain('    VIPs 10.78.1.100/32');
  expect(text).toMatch(/^ {2}TCP {2}10\.78\.1\.100:80 +wrr +default\/web +\S+ +\S+ +\S+$/m);
  expect(text).toMatch(/^ {4}-> 10\.78\.2\.2:8080 +Masq +3 +\d+ +\d+ +\S+ +\S+ +\S+$/m);
  expect(text).toMatch(/^ {4}-> 10\.78\.3\.2:8080 +Masq +0 +\d+ +\d+ +\S+ +\S+ +\S+$/m);
  expect(text).toMatch(/^ {4}10\.78\.2\.2:8080 +UP +3\/3 +\d+[smhd]$/m);
  expect(text).toMatch(/^ {4}10\.78\.3\.2:8080 +DOWN +0\/1 +\d+[smhd] +refused/m);
  expect(text).toMatch(/Warning RealServerDown +VirtualServer default\/web: real server 10\.78\.3\.2:8080 is down/);
}, 90_000);
