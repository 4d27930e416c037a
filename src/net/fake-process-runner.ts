/**
 * A fake {@link ProcessRunner} for tests: the policy is enforced as the real runner does (on
 * objects' commands; a refused command is recorded in `refused`, never in `calls`), every run
 * is recorded, and `results` maps argv[0] to what the process does (default: exit 0, no
 * output); `respond`, when set, decides instead from the whole request.
 */
import { ANY_COMMAND, refusalOf, type CommandPolicy, type CommandRefusal } from './command-policy.js';
import { isObjectCommand, type ProcessRequest, type ProcessResult, type ProcessRunner } from './process-runner.js';

/** What a faked program does. */
export type FakeOutcome =
  | { readonly kind: 'exited'; readonly exitCode: number; readonly stdout?: string; readonly stderr?: string }
  | { readonly kind: 'timed-out' }
  | { readonly kind: 'signalled'; readonly signal: string }
  | { readonly kind: 'failed'; readonly errno: string };

export class FakeProcessRunner implements ProcessRunner {
  readonly calls: ProcessRequest[] = [];
  readonly refused: { request: ProcessRequest; refusal: CommandRefusal }[] = [];
  readonly results = new Map<string, FakeOutcome>();
  respond: ((request: ProcessRequest) => FakeOutcome | undefined) | undefined;

  constructor(private readonly policy: CommandPolicy = ANY_COMMAND) {}

  run(request: ProcessRequest): Promise<ProcessResult> {
    const none = { stdout: '', stderr: '', elapsedMs: 0 };
    const refusal = refusalOf(isObjectCommand(request.kind) ? this.policy : ANY_COMMAND, request.argv);
    if (refusal) {
      this.refused.push({ request, refusal });
      return Promise.resolve({ kind: 'refused', refusal, ...none });
    }
    this.calls.push(request);
    const outcome = this.respond?.(request) ??
      this.results.get(request.argv[0] ?? '') ?? { kind: 'exited', exitCode: 0 };
    switch (outcome.kind) {
      case 'exited':
        return Promise.resolve({
          ...none,
          kind: 'exited',
          exitCode: outcome.exitCode,
          stdout: outcome.stdout ?? '',
          stderr: outcome.stderr ?? '',
        });
      case 'failed':
        return Promise.resolve({ ...none, kind: 'failed', errno: outcome.errno, message: `spawn ${outcome.errno}` });
      default:
        return Promise.resolve({ ...none, ...outcome });
    }
  }
}
