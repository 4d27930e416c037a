/**
 * The checker port: one function per keepalived checker type (check_http.c, check_tcp.c ...),
 * each taking a normalised probe and returning the outcome of one attempt. A failed check is
 * a {@link CheckResult}, never an exception; a checker that throws anyway is caught by the
 * scheduler and counted as reason `error`.
 */
import type { Clock } from '../core/index.js';
import { ANY_COMMAND, SpawnProcessRunner, type ProcessRunner } from '../net/index.js';
import type { CheckResult, HealthProbe } from './types.js';

/** Runs one attempt of a probe. `signal` aborts it (the scheduler stops or its deadline passed). */
export type CheckRunner = (probe: HealthProbe, signal: AbortSignal) => Promise<CheckResult>;

/** One checker type's attempt function. */
export type Checker<T extends HealthProbe['type']> = (
  probe: Extract<HealthProbe, { type: T }>,
  signal: AbortSignal,
) => Promise<CheckResult>;

/** What the checker adapters need from the world besides sockets. */
export interface CheckerDeps {
  readonly clock: Clock;
  /**
   * Starts MISC_CHECK programs. The cluster director passes its allowlist runner; without one
   * every command runs, as keepalived runs misc_path (standalone and tests).
   */
  readonly processes?: ProcessRunner;
}

/** The deps' process runner, or one that runs every command. */
export function processRunnerOf(deps: CheckerDeps): ProcessRunner {
  return deps.processes ?? new SpawnProcessRunner({ clock: deps.clock, policy: ANY_COMMAND });
}

/** A failed attempt. */
export function failed(
  reason: Extract<CheckResult, { ok: false }>['reason'],
  detail: string,
  latencyMs: number,
): CheckResult {
  return { ok: false, reason, detail, latencyMs };
}
