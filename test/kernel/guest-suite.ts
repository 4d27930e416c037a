import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'vitest';
import { describeAsRoot, isCI, isRoot } from '../support/privileges.js';

/** One test case as the guest's vitest JSON reporter wrote it. */
interface GuestAssertion {
  fullName: string;
  status: 'passed' | 'failed' | 'skipped' | 'pending' | 'todo';
  failureMessages: string[];
  duration?: number;
}

/** What one guest run returned. */
export interface GuestRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  assertions: GuestAssertion[];
  elapsedMs: number;
}

const repoRoot = resolve(import.meta.dirname, '../..');

/**
 * Runs one guest test file (test/kernel/guest/*.guest.ts) under vitest inside a kernel with
 * IPVS (hack/uml/kernel-exec.sh: a native namespace or user-mode-linux) and returns every
 * case's result. The guest's kernel console never reaches this output.
 */
export async function runGuestFile(file: string, modules: readonly string[] = []): Promise<GuestRun> {
  const out = mkdtempSync(join(tmpdir(), 'lvs-ipvs-guest-'));
  const started = performance.now();
  try {
    const args = [
      join(repoRoot, 'hack/uml/kernel-exec.sh'),
      '--share',
      out,
      ...(modules.length > 0 ? ['--modules', modules.join(' ')] : []),
      '--',
      'npx',
      'vitest',
      'run',
      '--config',
      'hack/uml/vitest.guest.config.ts',
      '--reporter=json',
      `--outputFile=${out}/results.json`,
      file,
    ];
    const { code, stdout, stderr } = await spawnCollect('bash', args);
    const resultsPath = join(out, 'results.json');
    const assertions: GuestAssertion[] = [];
    if (existsSync(resultsPath)) {
      const report = JSON.parse(readFileSync(resultsPath, 'utf8')) as {
        testResults: { message?: string; assertionResults: GuestAssertion[] }[];
      };
      for (const f of report.testResults) {
        assertions.push(...f.assertionResults);
        if (f.message) {
          assertions.push({ fullName: 'guest file loads', status: 'failed', failureMessages: [f.message] });
        }
      }
    }
    return { exitCode: code, stdout, stderr, assertions, elapsedMs: performance.now() - started };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function spawnCollect(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', fail);
    child.on('close', (code) =>
      done({ code: code ?? 125, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
    );
  });
}

/**
 * Declares one host-side test per guest case, so every case inside the kernel shows up (and
 * fails) in the host's report, plus one for the guest run itself. Call with top-level await
 * from a test/kernel/*.test.ts file: the kernel boots once per file, not per case.
 */
export async function describeGuest(file: string, modules: readonly string[] = []): Promise<void> {
  const name = `kernel: ${file}`;
  if (!isRoot) {
    describeAsRoot(name, () => {
      it('runs inside the kernel harness', () => undefined);
    });
    return;
  }
  const run = await runGuestFile(file, modules);
  const tail = (s: string): string => s.split('\n').slice(-60).join('\n');
  describe(name, () => {
    for (const a of run.assertions) {
      const body = (): void => {
        if (a.status === 'failed') throw new Error(a.failureMessages.join('\n'));
      };
      if (a.status === 'skipped' || a.status === 'pending' || a.status === 'todo') {
        // A skip inside the guest is a failure under CI: the guest has every privilege.
        if (isCI) it(a.fullName, () => Promise.reject(new Error('skipped inside the kernel harness')));
        else it.skip(a.fullName, body);
      } else {
        it(a.fullName, body);
      }
    }
    it(`guest run exits 0 (${Math.round(run.elapsedMs)} ms)`, () => {
      if (run.exitCode !== 0 || run.assertions.length === 0) {
        throw new Error(
          `guest exit ${run.exitCode}, ${run.assertions.length} cases\n--- stdout\n${tail(run.stdout)}\n--- stderr\n${tail(run.stderr)}`,
        );
      }
    });
  });
}
