/**
 * The command port of the realserver role: run an argv (no shell) with optional standard
 * input, and collect its exit status and output. The nftables and device adapters drive `nft`
 * and `ip` through it. The one implementation sits on the program's process runner
 * (src/net/process-runner.ts); the programs here are the agent's own, never an object's.
 */
import { systemClock } from '../core/clock.js';
import { ANY_COMMAND, SpawnProcessRunner, type ProcessRunner } from '../net/index.js';

/** How a command ended. */
export interface CommandOutput {
  /** Exit status, or undefined when killed (timeout or signal). */
  readonly exitCode: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs commands. */
export interface CommandRunner {
  run(argv: readonly string[], opts?: { readonly input?: string; readonly timeoutMs?: number }): Promise<CommandOutput>;
}

/** `ip -batch` and `nft -f` output of a large table stays well under this. */
const MAX_OUTPUT_BYTES = 64 << 20;

/**
 * The real runner: LC_ALL=C (error texts are matched), SIGKILL after the timeout (default
 * 10 s), a program that cannot start answers 127 as a shell would.
 */
export class ExecCommandRunner implements CommandRunner {
  constructor(
    private readonly processes: ProcessRunner = new SpawnProcessRunner({ clock: systemClock, policy: ANY_COMMAND }),
  ) {}

  async run(
    argv: readonly string[],
    opts: { readonly input?: string; readonly timeoutMs?: number } = {},
  ): Promise<CommandOutput> {
    const r = await this.processes.run({
      kind: 'system',
      argv,
      timeoutMs: opts.timeoutMs ?? 10_000,
      killGraceMs: 0,
      env: { LC_ALL: 'C' },
      input: opts.input ?? '',
      captureOutput: true,
      maxOutputBytes: MAX_OUTPUT_BYTES,
    });
    switch (r.kind) {
      case 'exited':
        return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
      case 'refused':
        return { exitCode: 127, stdout: '', stderr: r.refusal.message };
      case 'failed':
        return { exitCode: 127, stdout: r.stdout, stderr: r.stderr || r.message };
      default:
        return { exitCode: undefined, stdout: r.stdout, stderr: r.stderr || `command ${r.kind}` };
    }
  }
}
