/**
 * The one way this program starts a process: argv without a shell, a timeout with keepalived's
 * semantics, optional uid/gid, standard input and captured output, and the command policy
 * checked before anything is spawned. It never throws, synchronously or not: every failure
 * (refused, cannot start, timed out, killed) is a {@link ProcessResult}.
 *
 * The command policy applies to objects' commands; a system tool (kind `system`) is the
 * program's own and needs only an argv execve can carry (see {@link CommandKind}).
 *
 * Timeouts follow keepalived: scripts get script_timeout, 5 s by default (global_data.c); past
 * it the process group gets SIGTERM and, `killGraceMs` later, SIGKILL, as check_misc.c's
 * misc_check_child_timeout_thread does. Children start in a session of their own (setsid), so
 * the group holds whatever the program started too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Clock } from '../core/index.js';
import { quoted } from '../core/index.js';
import { ANY_COMMAND, refusalOf, type CommandPolicy, type CommandRefusal } from './command-policy.js';
import { scriptInsecurity } from './script-security.js';

/** keepalived's default script_timeout (global_data.c). */
export const SCRIPT_TIMEOUT_MS = 5000;
/** check_misc.c gives a process 2 s between SIGTERM and SIGKILL. */
export const KILL_GRACE_MS = 2000;
/** Output kept per stream when captured; more is dropped, the process is not stopped for it. */
export const MAX_OUTPUT_BYTES = 1 << 20;

/** Commands that come from objects (keepalived's scripts): the command policy governs them. */
export type ObjectCommandKind = 'misc-check' | 'notify' | 'track-script';

/**
 * What a command is for: the `kind` label of refusals and failures. `system` is a tool this
 * program runs itself (`ip`, `nft`, `iptables`, `ss`) with an argv it builds: the command
 * policy and script security are for objects' commands and do not apply to it; an argv that
 * execve cannot carry is refused whatever the kind.
 */
export type CommandKind = ObjectCommandKind | 'system';

/** Whether the command policy and script security apply to a request of this kind. */
export function isObjectCommand(kind: CommandKind): kind is ObjectCommandKind {
  return kind !== 'system';
}

/** One process to run. */
export interface ProcessRequest {
  readonly argv: readonly string[];
  readonly kind: CommandKind;
  /** Default {@link SCRIPT_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
  /** Between SIGTERM and SIGKILL of the group; 0 sends SIGKILL at once. Default {@link KILL_GRACE_MS}. */
  readonly killGraceMs?: number;
  /** Added to this process's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Run as this user (keepalived's `user`); the caller resolves the name. */
  readonly ids?: { readonly uid: number; readonly gid: number };
  /** Written to standard input, then closed; without it standard input is /dev/null. */
  readonly input?: string;
  /** Collect standard output and error (each cut at `maxOutputBytes`); otherwise discarded. */
  readonly captureOutput?: boolean;
  readonly maxOutputBytes?: number;
  /** SIGKILL what the program left in its group once it exits (check_misc.c reaps the group). */
  readonly killGroupOnExit?: boolean;
  /** Aborting stops the process as a timeout does. */
  readonly signal?: AbortSignal;
}

interface Common {
  readonly stdout: string;
  readonly stderr: string;
  readonly elapsedMs: number;
}

/** How a process ended, or why it never started. */
export type ProcessResult =
  | (Common & { readonly kind: 'exited'; readonly exitCode: number })
  /** Killed by a signal that was not ours. */
  | (Common & { readonly kind: 'signalled'; readonly signal: string })
  /** Outlived its timeout (or was aborted) and was killed. */
  | (Common & { readonly kind: 'timed-out' })
  /** The policy refused it; nothing was spawned. */
  | (Common & { readonly kind: 'refused'; readonly refusal: CommandRefusal })
  /** It could not start: ENOENT, EACCES, EPERM for `ids` ... */
  | (Common & { readonly kind: 'failed'; readonly errno: string; readonly message: string });

/** Runs processes; never rejects. */
export interface ProcessRunner {
  run(request: ProcessRequest): Promise<ProcessResult>;
}

/** Told of each refusal (metrics, a log line); the result says it too. */
export type RefusalListener = (request: ProcessRequest, refusal: CommandRefusal) => void;

export interface SpawnProcessRunnerOptions {
  readonly clock: Clock;
  /** For objects' commands; `system` requests only need a valid argv. */
  readonly policy: CommandPolicy;
  readonly onRefused?: RefusalListener;
  /**
   * keepalived's enable_script_security: refuse a program that anyone but root could change
   * (script-security.ts). Checked at every run, so a changed permission counts at once.
   */
  readonly scriptSecurity?: boolean;
}

const NO_OUTPUT = { stdout: '', stderr: '' };

/** The real runner over child_process.spawn. */
export class SpawnProcessRunner implements ProcessRunner {
  constructor(private readonly o: SpawnProcessRunnerOptions) {}

  /** Never throws, synchronously or not: as an async function, whatever goes wrong is a result. */
  async run(request: ProcessRequest): Promise<ProcessResult> {
    const policy = isObjectCommand(request.kind) ? this.o.policy : ANY_COMMAND;
    const refusal = refusalOf(policy, request.argv) ?? (await this.insecurity(request));
    if (refusal) {
      try {
        this.o.onRefused?.(request, refusal);
      } catch {
        // A listener's failure must not turn a refusal into a rejection.
      }
      return { kind: 'refused', refusal, ...NO_OUTPUT, elapsedMs: 0 };
    }
    return new Promise((resolve) => new Execution(this.o.clock, request, resolve).start());
  }

  private async insecurity(request: ProcessRequest): Promise<CommandRefusal | undefined> {
    if (!this.o.scriptSecurity || !isObjectCommand(request.kind)) return undefined;
    // As keepalived: a script run as another user (`user`) may sit where that user writes.
    if (request.ids !== undefined && request.ids.uid !== 0) return undefined;
    const program = request.argv[0] ?? '';
    const why = await scriptInsecurity(program).catch((err: unknown) => `cannot check it: ${String(err)}`);
    if (why === undefined) return undefined;
    return { reason: 'insecure', message: `program ${quoted(program)} is not run as root: ${why}` };
  }
}

/** One spawned process from start to result. */
class Execution {
  private readonly started: number;
  private child: ChildProcess | undefined;
  private timedOut = false;
  private settled = false;
  private cancelTimeout: () => void = () => undefined;
  private cancelKill: () => void = () => undefined;
  private readonly out = new Collector();
  private readonly err = new Collector();

  constructor(
    private readonly clock: Clock,
    private readonly r: ProcessRequest,
    private readonly resolve: (result: ProcessResult) => void,
  ) {
    this.started = clock.now();
  }

  start(): void {
    const [file = '', ...args] = this.r.argv;
    const capture = this.r.captureOutput === true;
    try {
      this.child = spawn(file, args, {
        stdio: [
          this.r.input === undefined ? 'ignore' : 'pipe',
          capture ? 'pipe' : 'ignore',
          capture ? 'pipe' : 'ignore',
        ],
        detached: true,
        env: { ...process.env, ...this.r.env },
        ...(this.r.ids ?? {}),
      });
    } catch (err) {
      // spawn throws synchronously for arguments it cannot pass (a NUL byte, a bad uid).
      return this.fail(err);
    }
    const child = this.child;
    const max = this.r.maxOutputBytes ?? MAX_OUTPUT_BYTES;
    child.stdout?.on('data', (b: Buffer) => this.out.add(b, max));
    child.stderr?.on('data', (b: Buffer) => this.err.add(b, max));
    if (child.stdin) {
      // A command that exits without reading its input closes the pipe: EPIPE is not a
      // failure of the command, whose exit status tells.
      child.stdin.on('error', () => undefined);
      child.stdin.end(this.r.input ?? '');
    }
    child.on('error', (err) => this.fail(err));
    // With captured output, wait for the streams to end ('close'); otherwise 'exit' suffices.
    child.on(capture ? 'close' : 'exit', (code: number | null, sig: NodeJS.Signals | null) => this.exited(code, sig));
    this.cancelTimeout = this.clock.setTimer(this.r.timeoutMs ?? SCRIPT_TIMEOUT_MS, () => this.stop());
    this.r.signal?.addEventListener('abort', this.stop, { once: true });
    if (this.r.signal?.aborted) this.stop();
  }

  private readonly stop = (): void => {
    if (this.settled || this.timedOut) return;
    this.timedOut = true;
    const grace = this.r.killGraceMs ?? KILL_GRACE_MS;
    if (grace <= 0) return this.killGroup('SIGKILL');
    this.killGroup('SIGTERM');
    this.cancelKill = this.clock.setTimer(grace, () => this.killGroup('SIGKILL'));
  };

  private killGroup(sig: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, sig);
    } catch {
      // ESRCH: the group is gone already.
    }
  }

  private exited(code: number | null, sig: NodeJS.Signals | null): void {
    // A timed-out group dies whole even when its leader went on SIGTERM.
    if (this.r.killGroupOnExit || this.timedOut) this.killGroup('SIGKILL');
    if (this.timedOut) return this.settle({ kind: 'timed-out' });
    if (code === null) return this.settle({ kind: 'signalled', signal: sig ?? 'unknown' });
    this.settle({ kind: 'exited', exitCode: code });
  }

  private fail(err: unknown): void {
    const e = err as NodeJS.ErrnoException;
    this.settle({ kind: 'failed', errno: typeof e.code === 'string' ? e.code : 'EINVAL', message: e.message });
  }

  private settle(
    outcome:
      | { kind: 'exited'; exitCode: number }
      | { kind: 'signalled'; signal: string }
      | { kind: 'timed-out' }
      | { kind: 'failed'; errno: string; message: string },
  ): void {
    if (this.settled) return;
    this.settled = true;
    this.cancelTimeout();
    this.cancelKill();
    this.r.signal?.removeEventListener('abort', this.stop);
    const common = { stdout: this.out.text(), stderr: this.err.text(), elapsedMs: this.clock.now() - this.started };
    this.resolve({ ...outcome, ...common });
  }
}

/** Output of one stream, cut at a byte budget. */
class Collector {
  private readonly chunks: Buffer[] = [];
  private bytes = 0;

  add(b: Buffer, max: number): void {
    if (this.bytes >= max) return;
    const kept = b.subarray(0, max - this.bytes);
    this.chunks.push(kept);
    this.bytes += kept.length;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
