/**
 * The command port used by notify hooks and track scripts: run an argv (no shell) with a
 * timeout. ExecCommandRunner is the real adapter; FakeCommandRunner answers from a table.
 */
import { execFile } from 'node:child_process';

/** How a command ended. */
export interface CommandResult {
  /** Exit status, or undefined when killed (timeout or signal). */
  readonly exitCode: number | undefined;
  readonly timedOut: boolean;
}

/** Runs commands. */
export interface CommandRunner {
  run(
    argv: readonly string[],
    opts: { readonly timeoutMs: number; readonly env?: Readonly<Record<string, string>> },
  ): Promise<CommandResult>;
}

/** The real runner: execFile, SIGKILL on timeout, output discarded. */
export class ExecCommandRunner implements CommandRunner {
  run(
    argv: readonly string[],
    opts: { readonly timeoutMs: number; readonly env?: Readonly<Record<string, string>> },
  ): Promise<CommandResult> {
    const [file, ...args] = argv;
    if (file === undefined) return Promise.resolve({ exitCode: 127, timedOut: false });
    return new Promise((resolve) => {
      execFile(
        file,
        args,
        { timeout: opts.timeoutMs, killSignal: 'SIGKILL', env: { ...process.env, ...opts.env }, maxBuffer: 64 * 1024 },
        (err) => {
          if (!err) return resolve({ exitCode: 0, timedOut: false });
          const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: unknown };
          if (e.killed) return resolve({ exitCode: undefined, timedOut: true });
          resolve({ exitCode: typeof e.code === 'number' ? e.code : 127, timedOut: false });
        },
      );
    });
  }
}

/** A fake runner: `results` maps argv[0] to the result; every call is recorded. */
export class FakeCommandRunner implements CommandRunner {
  readonly calls: { argv: readonly string[]; env?: Readonly<Record<string, string>> }[] = [];
  readonly results = new Map<string, CommandResult>();

  run(
    argv: readonly string[],
    opts: { readonly timeoutMs: number; readonly env?: Readonly<Record<string, string>> },
  ): Promise<CommandResult> {
    this.calls.push(opts.env ? { argv, env: opts.env } : { argv });
    return Promise.resolve(this.results.get(argv[0] ?? '') ?? { exitCode: 0, timedOut: false });
  }
}
