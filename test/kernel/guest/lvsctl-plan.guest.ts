/**
 * Inside the kernel harness (Linux 6.1 with IPVS): `lvsctl plan` against a running
 * `lvs-operator standalone --role director`, for a corpus of manifest edits. Each edit is
 * planned first, then applied (the director watches its folder) and waited on until the
 * kernel converged. The oracle is ipvsadm: the table before (`ipvsadm -S -n`), restored into a
 * scratch network namespace with the predicted commands run there by ipvsadm itself, must be
 * the table the director left. kube-proxy's service (made here with ipvsadm) is present
 * throughout and must be reported as left alone, never touched.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { waitFor } from '../../support/netns.js';
import { ipvsadm, lvsctl, modprobe, sh, standaloneDirectorArgs } from './kernel-shell.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const METRICS = '127.0.0.1:9474';
const ORACLE = 'lvs-plan-oracle';
const LINK = 'lvsplan0';
const work = mkdtempSync(join(tmpdir(), 'lvs-plan-'));
const live = join(work, 'manifests');
const staged = join(work, 'next');
const state = join(work, 'state');
const log: string[] = [];
let agent: ChildProcess;

const vs = (name: string, vip: string, scheduler: string, servers: [string, number][], port = 80) => `
apiVersion: lvs.io/v1alpha1
kind: VirtualServer
metadata: { name: ${name} }
spec:
  addresses: [{ ip: ${vip}, port: ${port} }]
  forwarding: NAT
  scheduler: ${scheduler}
  realServers:
${servers.map(([a, w]) => `    - { address: ${a}, port: 8080, weight: ${w} }`).join('\n')}
`;

const group = (vip: string) => `
apiVersion: lvs.io/v1alpha1
kind: VrrpGroup
metadata: { name: vg }
spec:
  virtualRouterId: 61
  interface: ${LINK}
  priority: 150
  advertInterval: 1s
  virtualIPs: [{ address: ${vip} }]
`;

/** The folder's files: name → text. */
type Folder = Record<string, string>;
let files: Folder = {
  'web.yaml': vs('web', '10.81.1.1', 'wlc', [
    ['10.81.2.11', 1],
    ['10.81.2.12', 1],
  ]),
  'vrrp.yaml': group('10.82.0.10'),
};

function writeFolder(dir: string, folder: Folder): void {
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(dir)) if (!(name in folder)) rmSync(join(dir, name));
  for (const [name, text] of Object.entries(folder)) writeFileSync(join(dir, name), text);
}

interface Plan {
  code: number;
  stdout: string;
  commands: string[];
  leftAlone: string[];
  refused: { object: string; path: string; message: string; reason: string }[];
  instances: { ref: string; change: string; vipsAdded: string[]; vipsRemoved: string[] }[];
}

async function plan(dir: string, ...extra: string[]): Promise<Plan> {
  const args = ['plan', dir, '--current', live, '--node', 'n1', '--state-dir', state, '-o', 'json', ...extra];
  const r = await lvsctl(...args);
  const doc = JSON.parse(r.stdout) as {
    ipvs: { commands: string[]; leftAlone: string[] };
    refused: Plan['refused'];
    vrrp: { instances: Plan['instances'] };
  };
  return {
    code: r.code,
    stdout: r.stdout,
    commands: doc.ipvs.commands,
    leftAlone: doc.ipvs.leftAlone,
    refused: doc.refused,
    instances: doc.vrrp.instances,
  };
}

/** `before` restored into the scratch namespace, the commands run there by ipvsadm: its table. */
function oracle(before: string, commands: readonly string[]): string {
  const inNs = (...args: string[]) => sh('ip', ['netns', 'exec', ORACLE, 'ipvsadm', ...args]);
  inNs('-C');
  sh('ip', ['netns', 'exec', ORACLE, 'ipvsadm', '-R'], before);
  for (const c of commands) inNs(...c.split(' '));
  return inNs('-S', '-n');
}

const table = () => ipvsadm('-S', '-n');
const addresses = () => sh('ip', ['-o', 'addr', 'show', 'dev', LINK]);

/** Plans `next`, applies it, waits until the kernel is what ipvsadm makes of the plan. */
async function planApplyConverge(next: Folder, expectedCode: number): Promise<Plan> {
  writeFolder(staged, next);
  const before = table();
  const p = await plan(staged);
  expect({ code: p.code, refused: p.refused }).toMatchObject({ code: expectedCode });
  const expected = oracle(before, p.commands);
  files = next;
  writeFolder(live, next);
  await waitFor(() => table() === expected, { what: 'the kernel to converge', timeoutMs: 30_000 }).catch(
    () => undefined,
  );
  expect(table()).toBe(expected);
  // Converged: planning the same folder again predicts nothing. (Not after a refusal: the
  // director runs the last good version of an invalid object, which the folder no longer has.)
  if (p.refused.length === 0) expect((await plan(live)).code).toBe(0);
  return p;
}

async function get(path: string): Promise<string> {
  try {
    return await (await fetch(`http://${METRICS}${path}`)).text();
  } catch {
    return '';
  }
}

beforeAll(async () => {
  modprobe('dummy');
  sh('ip', ['link', 'add', LINK, 'type', 'dummy']);
  sh('ip', ['addr', 'add', '10.82.0.1/24', 'dev', LINK]);
  sh('ip', ['link', 'set', LINK, 'up']);
  sh('ip', ['netns', 'add', ORACLE]);
  // A namespace without routing tables has every address typed broadcast, which IPVS
  // refuses as a destination (EINVAL); lo up creates them.
  sh('ip', ['netns', 'exec', ORACLE, 'ip', 'link', 'set', 'lo', 'up']);
  // kube-proxy's service: not in the record, so never ours.
  ipvsadm('-A', '-t', '10.96.0.1:443', '-s', 'rr');
  ipvsadm('-a', '-t', '10.96.0.1:443', '-r', '172.18.0.2:6443', '-m');
  writeFolder(live, files);
  agent = spawn(
    process.execPath,
    standaloneDirectorArgs({ node: 'n1', manifests: live, stateDir: state, metricsAddress: METRICS }),
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  for (const s of [agent.stdout, agent.stderr]) s?.on('data', (b: Buffer) => log.push(...b.toString().split('\n')));
  await waitFor(async () => (await fetch(`http://${METRICS}/readyz`).catch(() => undefined))?.ok, {
    what: 'the agent ready',
    timeoutMs: 60_000,
  });
  await waitFor(() => table().includes('-A -t 10.81.1.1:80'), { what: 'the first service' });
  await waitFor(() => addresses().includes('10.82.0.10/32'), { what: 'the VIP (master)', timeoutMs: 20_000 });
}, 120_000);

afterAll(() => {
  agent.kill('SIGKILL');
  sh('ip', ['netns', 'del', ORACLE]);
});

it('the folder as it is: no change, exit 0; the foreign service left alone', async () => {
  const p = await plan(live);
  expect(p).toMatchObject({ code: 0, commands: [], refused: [], instances: [], leftAlone: ['tcp 10.96.0.1:443'] });
}, 30_000);

it('a service added', async () => {
  const p = await planApplyConverge({ ...files, 'api.yaml': vs('api', '10.81.1.2', 'rr', [['10.81.2.21', 1]]) }, 2);
  expect(p.commands).toEqual(['-A -t 10.81.1.2:80 -s rr', '-a -t 10.81.1.2:80 -r 10.81.2.21:8080 -m -w 1']);
}, 60_000);

it('the scheduler changed: an edit in place', async () => {
  const p = await planApplyConverge(
    {
      ...files,
      'web.yaml': vs('web', '10.81.1.1', 'wrr', [
        ['10.81.2.11', 1],
        ['10.81.2.12', 1],
      ]),
    },
    2,
  );
  expect(p.commands).toEqual(['-E -t 10.81.1.1:80 -s wrr']);
}, 60_000);

it('a destination reweighted, one added, an idle one removed', async () => {
  const p = await planApplyConverge(
    {
      ...files,
      'web.yaml': vs('web', '10.81.1.1', 'wrr', [
        ['10.81.2.11', 3],
        ['10.81.2.13', 1],
      ]),
    },
    2,
  );
  expect(p.commands).toEqual([
    '-e -t 10.81.1.1:80 -r 10.81.2.11:8080 -m -w 3',
    '-a -t 10.81.1.1:80 -r 10.81.2.13:8080 -m -w 1',
    '-d -t 10.81.1.1:80 -r 10.81.2.12:8080',
  ]);
}, 60_000);

it('a service removed', async () => {
  const next = { ...files };
  delete next['api.yaml'];
  const p = await planApplyConverge(next, 2);
  expect(p.commands).toEqual(['-D -t 10.81.1.2:80']);
  expect(p.leftAlone).toEqual(['tcp 10.96.0.1:443']);
}, 60_000);

it('a VIP changed: the instance restarts, the new VIP is taken and the old one released', async () => {
  const p = await planApplyConverge({ ...files, 'vrrp.yaml': group('10.82.0.11') }, 2);
  expect(p.commands).toEqual([]);
  expect(p.instances).toMatchObject([
    { ref: 'default/vg', change: 'restarted', vipsAdded: ['10.82.0.11/32'], vipsRemoved: ['10.82.0.10/32'] },
  ]);
  await waitFor(() => addresses().includes('10.82.0.11/32') && !addresses().includes('10.82.0.10/32'), {
    what: 'the VIP moved',
    timeoutMs: 30_000,
  });
}, 60_000);

it('an invalid object: refused with its message, exit 1; applied, the running version stays', async () => {
  const p = await planApplyConverge({ ...files, 'web.yaml': files['web.yaml']?.replace('wrr', 'bogus') ?? '' }, 1);
  expect(p.commands).toEqual([]);
  expect(p.refused).toMatchObject([{ object: expect.stringMatching(/^VirtualServer\/web /), path: 'spec.scheduler' }]);
  await waitFor(async () => /^lvs_config_diagnostics\{severity="error"\} 1$/m.test(await get('/metrics')), {
    what: 'the director to report the invalid object',
  });
  expect(table()).toContain('-A -t 10.81.1.1:80 -s wrr');
}, 60_000);

it("a service on kube-proxy's address: refused as a conflict, nothing written; --allow-refused exits by change", async () => {
  const fixed = files['web.yaml']?.replace('bogus', 'wrr') ?? '';
  const next = { ...files, 'web.yaml': fixed, 'kube.yaml': vs('kube', '10.96.0.1', 'rr', [['10.81.2.31', 1]], 443) };
  const kube = ipvsadm('-S', '-n')
    .split('\n')
    .filter((l) => l.includes('10.96.0.1:443'));
  const p = await planApplyConverge(next, 1);
  expect(p.commands).toEqual([]);
  expect(p.refused).toMatchObject([{ object: 'VirtualServer default/kube', reason: 'ServiceConflict' }]);
  expect((await plan(live, '--allow-refused')).code).toBe(0);
  expect(
    ipvsadm('-S', '-n')
      .split('\n')
      .filter((l) => l.includes('10.96.0.1:443')),
  ).toEqual(kube);
}, 60_000);

it('bad input is an error (exit 1) with its message', async () => {
  const r = await lvsctl('plan', join(work, 'missing'), '--state-dir', state);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(`cannot read ${join(work, 'missing')}`);
  expect((await lvsctl('plan', live, '--node-label', 'nolabel')).code).toBe(1);
}, 30_000);
