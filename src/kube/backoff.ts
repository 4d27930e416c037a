/** Exponential backoff bounds; times in milliseconds. */
export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
}

/** The default for informers: 500 ms, doubling, at most 30 s (client-go's reflector is similar). */
export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 30_000 };

/** Delay before retry number `attempt` (0-based): initial × 2^attempt, capped. Pure. */
export function backoffDelayMs(policy: BackoffPolicy, attempt: number): number {
  return Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt, 30));
}
