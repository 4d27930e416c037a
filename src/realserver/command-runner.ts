/**
 * The command port: run an argv (no shell) with optional standard input, and collect its exit
 * status and output. The nftables and device adapters drive `nft` and `ip` through it.
 */
import { execFile } from 'node:child_process';

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

/**
 * The real runner: execFile with LC_ALL=C (error texts are matched), SIGKILL after the timeout
 * (default 10 s).
 */
export class ExecCommandRunner implements CommandRunner {
  run(
    argv: readonly string[],
    opts: { readonly input?: string; readonly timeoutMs?: number } = {},
  ): Promise<CommandOutput> {
    const [file, ...args] = argv;
    if (file === undefined) return Promise.resolve({ exitCode: 127, stdout: '', stderr: 'empty argv' });
    return new Promise((resolve) => {
      const child = execFile(
        file,
        args,
        {
          timeout: opts.timeoutMs ?? 10_000,
          killSignal: 'SIGKILL',
          env: { ...process.env, LC_ALL: 'C' },
          maxBuffer: 64 << 20,
        },
        (err, stdout, stderr) => {
          if (!err) return resolve({ exitCode: 0, stdout, stderr });
          const code = (err as { code?: unknown }).code;
          resolve({
            exitCode: typeof code === 'number' ? code : err.killed ? undefined : 127,
            stdout,
            stderr: stderr || err.message,
          });
        },
      );
      // A command that exits without reading its input closes the pipe: EPIPE is not a failure
      // of the command, whose exit status tells.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(opts.input ?? '');
    });
  }
}
