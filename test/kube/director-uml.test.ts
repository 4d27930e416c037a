import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { repoRoot } from './cluster.js';

interface Step {
  name: string;
  ok: boolean;
  elapsedMs: number;
  error?: string;
}

// The host kernel has no IPVS, so `lvs-operator director` runs inside the kernel harness, with
// etcd, kube-apiserver and the controller there too (test/kube/guest/director-node.ts). One
// boot; each step of the scenario becomes one test here.
const binDir = inject('kubeBinDir');
const isRoot = process.getuid?.() === 0;
const name = 'lvs-operator director (the process, in a network namespace inside user-mode-linux)';

async function runScenario(): Promise<{ code: number; steps: Step[]; output: string; agentLog: string }> {
  const out = mkdtempSync(join(tmpdir(), 'lvs-dir-uml-'));
  try {
    const child = spawn(
      'bash',
      [
        join(repoRoot, 'hack/uml/run.sh'),
        '--mem',
        '2048M',
        '--modules',
        'veth ip_vs_rr',
        '--share',
        out,
        '--timeout',
        '900',
        '--',
        'npx',
        'tsx',
        'test/kube/guest/director-node.ts',
        out,
      ],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LVS_KUBE_BIN: binDir } },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 125)));
    const stepsPath = join(out, 'steps.json');
    const steps = existsSync(stepsPath) ? (JSON.parse(readFileSync(stepsPath, 'utf8')) as Step[]) : [];
    const logPath = join(out, 'agent.log');
    const agentLog = existsSync(logPath) ? readFileSync(logPath, 'utf8') : '';
    return { code, steps, output, agentLog };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

if (binDir === '' || !isRoot) {
  if (process.env['CI'] === 'true') throw new Error(`${name}: needs root and the API server binaries`);
  console.warn(`\n*** SKIPPED (needs root and the API server binaries): ${name} ***\n`);
  describe.skip(name, () => it('runs', () => undefined));
} else {
  const run = await runScenario();
  const tail = (s: string) => s.split('\n').slice(-40).join('\n');
  describe(name, () => {
    for (const s of run.steps) {
      it(s.name, () => {
        expect(s.ok, `${s.error ?? ''}\n--- agent log (tail)\n${tail(run.agentLog)}`).toBe(true);
      });
    }
    it('the scenario ran to the end and the guest exited 0', () => {
      expect(run.code, tail(run.output)).toBe(0);
      expect(run.steps.length).toBe(10);
    });
  });
}
