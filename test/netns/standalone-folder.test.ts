/**
 * `lvs-operator standalone` as a real process, in a network namespace, with the realserver role
 * (it needs no IPVS, so the host kernel serves; the folder source and the apply path are the
 * ones the director role uses). The folder is taken away while the agent runs: what the folder
 * put on the node stays and /readyz says why; the folder returned resumes. A FIFO dropped into
 * the folder is reported, and neither the next reload nor SIGTERM waits for it.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { NetnsLab, run, waitFor } from '../support/netns.js';
import { describeAsRoot } from '../support/privileges.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const BACKEND = '10.79.0.5';
const VIP1 = '10.79.0.101';
const VIP2 = '10.79.0.102';
const VIP3 = '10.79.0.103';
const METRICS = '127.0.0.1:9471';

const service = (name: string, vip: string) => `apiVersion: lvs.io/v1alpha1
kind: VirtualServer
metadata: { name: ${name} }
spec:
  addresses: [{ ip: ${vip}, port: 80 }]
  forwarding: DR
  scheduler: rr
  realServers: [{ address: ${BACKEND}, port: 80 }]
`;

describeAsRoot('standalone agent: the manifest folder taken away, returned, and a FIFO dropped in', () => {
  let lab: NetnsLab;
  let dir: string;
  let agent: ChildProcess;
  const log: string[] = [];

  /** GET on the agent's metrics server, from inside the namespace. */
  async function get(path: string): Promise<{ status: number; body: string }> {
    const script = `fetch('http://${METRICS}${path}').then(async r=>{process.stdout.write(JSON.stringify({status:r.status,body:await r.text()}))},()=>process.exit(3))`;
    const r = await lab.exec('backend', [process.execPath, '-e', script], { timeoutMs: 10_000 });
    return r.code === 0 ? (JSON.parse(r.stdout) as { status: number; body: string }) : { status: 0, body: r.stderr };
  }

  const vipsOnLo = async () =>
    [...(await lab.exec1('backend', ['ip', '-o', '-4', 'addr', 'show', 'dev', 'lo'])).matchAll(/inet (\S+)\/32/g)]
      .map((m) => m[1])
      .filter((a) => a !== '127.0.0.1')
      .sort();

  beforeAll(async () => {
    lab = await NetnsLab.create('lvs-sa-');
    await lab.addNode('backend', { ipv4: `${BACKEND}/24` });
    dir = join(lab.dir, 'manifests');
    mkdirSync(dir);
    writeFileSync(join(dir, 'web.yaml'), service('web', VIP1));
    agent = lab.spawn(
      'backend',
      [
        process.execPath,
        '--import',
        'tsx',
        join(root, 'src/cli/lvs-operator.ts'),
        'standalone',
        '--role',
        'realserver',
        '--node',
        'backend',
        '--manifests',
        dir,
        '--state-dir',
        join(lab.dir, 'state'),
        '--metrics-address',
        METRICS,
      ],
      { log, env: { ...process.env, LOG_LEVEL: 'info' } },
    );
    await waitFor(async () => (await get('/readyz')).status === 200, { what: 'the agent ready', timeoutMs: 30_000 });
  }, 60_000);

  afterAll(async () => {
    await lab?.destroy();
  });

  it('applies the folder: the VIP on lo, ready', async () => {
    await waitFor(async () => (await vipsOnLo()).includes(VIP1), { what: 'VIP1 on lo' });
    expect(await get('/readyz')).toEqual({ status: 200, body: 'ok\n' });
  });

  it('the folder taken away: the VIP stays, /readyz says why, the metric and the log say so', async () => {
    renameSync(dir, `${dir}.away`);
    await waitFor(async () => (await get('/readyz')).status === 503, { what: 'not ready', timeoutMs: 10_000 });
    expect((await get('/readyz')).body).toBe(
      `manifest folder ${dir} unavailable (cannot read: ENOENT); keeping the last good state (1 objects)\n`,
    );
    expect((await get('/metrics')).body).toMatch(/^lvs_config_source_up 0$/m);
    // Several retries later (every 2 s), still there.
    await new Promise((r) => setTimeout(r, 5000));
    expect(await vipsOnLo()).toEqual([VIP1]);
    expect(log.some((l) => l.includes('manifest folder unavailable; keeping the last good state'))).toBe(true);
  }, 30_000);

  it('the folder returned with a change: applied, ready again', async () => {
    renameSync(`${dir}.away`, dir);
    writeFileSync(join(dir, 'api.yaml'), service('api', VIP2));
    await waitFor(async () => (await vipsOnLo()).includes(VIP2), { what: 'VIP2 on lo', timeoutMs: 15_000 });
    expect(await vipsOnLo()).toEqual([VIP1, VIP2]);
    await waitFor(async () => (await get('/readyz')).status === 200, { what: 'ready again' });
    expect((await get('/metrics')).body).toMatch(/^lvs_config_source_up 1$/m);
  }, 30_000);

  it('a FIFO dropped in is reported; the next reload and SIGTERM do not wait for it', async () => {
    await run(['mkfifo', join(dir, 'pipe.yaml')]);
    agent.kill('SIGHUP');
    await waitFor(async () => /^lvs_config_diagnostics\{severity="error"\} 1$/m.test((await get('/metrics')).body), {
      what: 'the FIFO reported',
    });
    expect(log.some((l) => l.includes('not a regular file (a FIFO); not read'))).toBe(true);

    // The next change is still applied (the reload did not block on the FIFO).
    writeFileSync(join(dir, 'db.yaml'), service('db', VIP3));
    agent.kill('SIGHUP');
    await waitFor(async () => (await vipsOnLo()).includes(VIP3), { what: 'VIP3 on lo', timeoutMs: 15_000 });

    const exited = new Promise<number | null>((resolve) => agent.once('exit', (code) => resolve(code)));
    agent.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<'wedged'>((r) => setTimeout(() => r('wedged'), 15_000))]);
    expect(code).toBe(0);
    // A realserver keeps its VIPs across a restart (connections survive).
    expect(await vipsOnLo()).toEqual([VIP1, VIP2, VIP3]);
  }, 60_000);
});
