import { execFileSync, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { vi } from 'vitest';
import { main } from '../../../src/cli/lvsctl.js';

/** Runs a command inside the guest and returns its stdout; throws with stderr on failure. */
export function sh(cmd: string, args: readonly string[], input?: string): string {
  return execFileSync(cmd, [...args], { encoding: 'utf8', input: input ?? '', stdio: ['pipe', 'pipe', 'pipe'] });
}

/** `ipvsadm ARGS` output. */
export function ipvsadm(...args: string[]): string {
  return sh('ipvsadm', args);
}

/** Runs lvsctl in this process (its real entry point) and returns exit code and stdout. */
export async function lvsctl(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  });
  // A command may set process.exitCode (lvsctl plan's 2 for "changes"): this process's own.
  const exitCode = process.exitCode;
  try {
    const code = await main(argv);
    return { code, stdout, stderr };
  } finally {
    process.exitCode = exitCode;
    out.mockRestore();
    err.mockRestore();
  }
}

/** Loads a kernel module: from the UML module tree inside user-mode-linux, else the host's. */
/** Where a standalone director of a guest test reads its manifests, keeps its state, listens. */
export interface StandaloneDirector {
  readonly node: string;
  readonly manifests: string;
  readonly stateDir: string;
  readonly metricsAddress: string;
}

/** Node's arguments for `lvs-operator standalone --role director` run from the sources. */
export function standaloneDirectorArgs(d: StandaloneDirector): string[] {
  const root = resolve(import.meta.dirname, '../../..');
  return [
    '--import',
    'tsx',
    join(root, 'src/cli/lvs-operator.ts'),
    'standalone',
    '--role',
    'director',
    '--node',
    d.node,
    '--manifests',
    d.manifests,
    '--state-dir',
    d.stateDir,
    '--metrics-address',
    d.metricsAddress,
  ];
}

export function modprobe(name: string): void {
  sh('modprobe', process.env['LVS_IN_UML'] ? ['-d', '/run/modroot', name] : [name]);
}

/** Loads every scheduler and the SIP persistence engine (the harness loads ip_vs only). */
export function loadIpvsModules(): void {
  const mods = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'pe_sip'];
  for (const m of mods) modprobe(`ip_vs_${m}`);
}

/**
 * One long-lived bash in the guest: commands run in it instead of each spawning a process
 * from node, which under user-mode-linux costs about 75 ms a time.
 */
export class Shell {
  private readonly child = spawn('bash', ['--noprofile', '--norc'], { stdio: ['pipe', 'pipe', 'pipe'] });
  private buffer = '';
  private waiter: (() => void) | undefined;

  constructor() {
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (s: string) => {
      this.buffer += s;
      this.waiter?.();
    });
  }

  /** Runs a command line; resolves with its stdout, rejects when it exits non-zero. */
  async run(line: string): Promise<string> {
    const marker = `__lvs_done_${Math.random().toString(36).slice(2)}__`;
    this.buffer = '';
    this.child.stdin.write(`${line}\necho "${marker} $?"\n`);
    for (;;) {
      const at = this.buffer.indexOf(marker);
      if (at !== -1 && this.buffer.indexOf('\n', at) !== -1) {
        const out = this.buffer.slice(0, at);
        const status = Number(this.buffer.slice(at + marker.length).trim());
        if (status !== 0) throw new Error(`${line}: exit ${status}\n${out}`);
        return out;
      }
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  close(): void {
    this.child.stdin.end();
  }
}
