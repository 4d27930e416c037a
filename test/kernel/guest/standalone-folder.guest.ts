/**
 * Inside the kernel harness (Linux 6.1 with IPVS): `lvs-operator standalone --role director` as
 * a real process on a folder of VirtualServers. The folder taken away must not remove a single
 * IPVS service (it did: a missing folder read as "nothing desired"), /readyz says why, and the
 * folder returned resumes. A FIFO dropped into the folder is reported, and neither the next
 * reload nor SIGTERM waits for it. Everything here dies with the guest.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { run, waitFor } from '../../support/netns.js';
import { ipvsadm, standaloneDirectorArgs } from './kernel-shell.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const METRICS = '127.0.0.1:9473';
const work = mkdtempSync(join(tmpdir(), 'lvs-standalone-'));
const dir = join(work, 'manifests');
const log: string[] = [];
let agent: ChildProcess;

const service = (name: string, vip: string) => `apiVersion: lvs.io/v1alpha1
kind: VirtualServer
metadata: { name: ${name} }
spec:
  addresses: [{ ip: ${vip}, port: 80 }]
  forwarding: NAT
  scheduler: wlc
  realServers: [{ address: 10.80.0.5, port: 8080 }]
`;

async function get(path: string): Promise<{ status: number; body: string }> {
  try {
    const r = await fetch(`http://${METRICS}${path}`);
    return { status: r.status, body: await r.text() };
  } catch {
    return { status: 0, body: '' };
  }
}

/** The virtual services in the kernel, as ipvsadm lists them. */
const services = () =>
  ipvsadm('-Ln')
    .split('\n')
    .filter((l) => l.startsWith('TCP'))
    .map((l) => l.split(/\s+/)[1])
    .sort();

beforeAll(async () => {
  mkdirSync(dir);
  writeFileSync(join(dir, 'web.yaml'), service('web', '10.80.1.1'));
  agent = spawn(
    process.execPath,
    standaloneDirectorArgs({ node: 'n1', manifests: dir, stateDir: join(work, 'state'), metricsAddress: METRICS }),
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  for (const s of [agent.stdout, agent.stderr]) s?.on('data', (b: Buffer) => log.push(...b.toString().split('\n')));
  await waitFor(async () => (await get('/readyz')).status === 200, { what: 'the agent ready', timeoutMs: 60_000 });
}, 90_000);

afterAll(() => {
  agent.kill('SIGKILL');
});

it('programs the folder', async () => {
  await waitFor(() => services().includes('10.80.1.1:80'), { what: 'the service' });
  expect(services()).toEqual(['10.80.1.1:80']);
});

it('the folder taken away: every service stays, /readyz says why', async () => {
  renameSync(dir, `${dir}.away`);
  agent.kill('SIGHUP'); // read the folder now, and again on the retries that follow
  await new Promise((r) => setTimeout(r, 5000));
  expect(services()).toEqual(['10.80.1.1:80']);
  expect((await get('/readyz')).body).toBe(
    `manifest folder ${dir} unavailable (cannot read: ENOENT); keeping the last good state (1 objects)\n`,
  );
  expect((await get('/readyz')).status).toBe(503);
  expect((await get('/metrics')).body).toMatch(/^lvs_config_source_up 0$/m);
}, 40_000);

it('the folder returned with a change: applied, ready again', async () => {
  renameSync(`${dir}.away`, dir);
  writeFileSync(join(dir, 'api.yaml'), service('api', '10.80.1.2'));
  await waitFor(() => services().includes('10.80.1.2:80'), { what: 'the new service', timeoutMs: 30_000 });
  expect(services()).toEqual(['10.80.1.1:80', '10.80.1.2:80']);
  await waitFor(async () => (await get('/readyz')).status === 200, { what: 'ready again' });
}, 40_000);

it('a FIFO dropped in is reported; the next reload and SIGTERM do not wait for it', async () => {
  await run(['mkfifo', join(dir, 'pipe.yaml')]);
  agent.kill('SIGHUP');
  await waitFor(async () => /^lvs_config_diagnostics\{severity="error"\} 1$/m.test((await get('/metrics')).body), {
    what: 'the FIFO reported',
    timeoutMs: 20_000,
  });
  writeFileSync(join(dir, 'db.yaml'), service('db', '10.80.1.3'));
  agent.kill('SIGHUP');
  await waitFor(() => services().includes('10.80.1.3:80'), { what: 'the service after the FIFO', timeoutMs: 30_000 });

  const exited = new Promise<number | null>((resolve) => agent.once('exit', (code) => resolve(code)));
  agent.kill('SIGTERM');
  const code = await Promise.race([exited, new Promise<'wedged'>((r) => setTimeout(() => r('wedged'), 20_000))]);
  expect(code).toBe(0);
  // IPVS is kept on a stop unless --remove-ipvs-on-exit.
  expect(services()).toEqual(['10.80.1.1:80', '10.80.1.2:80', '10.80.1.3:80']);
}, 90_000);
