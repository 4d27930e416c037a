import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeAsRoot, isRoot } from '../support/privileges.js';

const repoRoot = resolve(import.meta.dirname, '../..');

function runCommand(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ code: number; out: string }> {
  return new Promise((done, fail) => {
    const [file, ...args] = argv;
    const child = spawn(file ?? 'false', args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => chunks.push(b));
    child.stderr.on('data', (b: Buffer) => chunks.push(b));
    // SIGTERM lets hack/uml/run.sh stop its kernel and remove its temp dirs.
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code: code ?? 125, out: Buffer.concat(chunks).toString() });
    });
  });
}

// README's main command, with the shortened timeline: the whole seed 000 scenario in network
// namespaces (inside user-mode-linux where the host has no IPVS), judged by what it prints.
describeAsRoot('demo: hack/demo.sh --quick', () => {
  beforeAll(async () => {
    // The demo runs dist/ (inside the guest too): build it from the current source.
    const r = await runCommand(['npx', 'tsc', '-p', 'tsconfig.build.json'], process.env, 180_000);
    expect(r.code, r.out).toBe(0);
  }, 200_000);

  it('elects a master, serves from both backends, takes over after kill -9, drains web1', async () => {
    const env = { ...process.env, LVS_SKIP_BOOTSTRAP: '1', NO_COLOR: '1' };
    const { code, out } = await runCommand(['bash', 'hack/demo.sh', '--quick'], env, 230_000);
    expect(code, out).toBe(0);
    // Without a terminal: no escape sequences, log lines and snapshots.
    expect(out).not.toContain('\x1b[');
    expect(out).toMatch(/>> lvs[12] is VRRP MASTER, both real servers healthy in IPVS/);
    expect(out).toMatch(/>> requests answered by both backends: web1 [1-9]\d*, web2 [1-9]\d*/);
    expect(out).toMatch(/>> lvs[12] took over as MASTER \d+\.\d s after the kill/);
    expect(out).toMatch(/>> first answer via lvs[12] \d+\.\d s after the kill/);
    expect(out).toMatch(/>> service continued: both backends answer through lvs[12]/);
    expect(out).toMatch(/lvs[12]: IPVS weight of 192\.168\.5\.111 1 -> 0/);
    expect(out).toMatch(/>> web1 \(192\.168\.5\.111\) weight 0 after/);
    expect(out).toMatch(/>> new connections from 1 s after weight 0: web1 0, all backends [1-9]/);
    expect(out).toContain('    -> 192.168.5.111:80     Route       0');
    expect(out).toMatch(/>> web1 weight 1 again after/);
    expect(out).toMatch(/lvsctl ipvs list -n --stats, on lvs[12]:\n.*IP Virtual Server version/);
    expect(out).toContain('namespaces and processes removed');
  }, 240_000);
});

describe('demo without root', () => {
  it('explains that it needs root and exits 1, without a stack trace', async () => {
    // As root, drop to nobody for this run; without root, the refusal is what runs anyway.
    const drop = isRoot ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
    const { code, out } = await runCommand([...drop, 'bash', 'hack/demo.sh'], process.env, 30_000);
    expect(code).toBe(1);
    expect(out).toContain('The demo needs root');
    expect(out).not.toMatch(/\n\s+at /);
  });
});
