import type { ObservedDestination, ServiceKey } from './types.js';

/**
 * Pure removal policy for destinations that left the desired state, after kube-proxy's
 * graceful_termination.go: the weight drops to 0 first so no new connections arrive, and the
 * destination is deleted once its connections are gone or the drain period is over. UDP has
 * no connection end to wait for, so it goes at once.
 */
export interface DrainPolicy {
  /** Longest wait between weight 0 and deletion; 0 deletes at once. */
  readonly drainMs: number;
  /** Delete as soon as active + inactive connections reach 0. */
  readonly deleteWhenIdle: boolean;
  /** Delete UDP destinations at once, as kube-proxy does. */
  readonly udpImmediate: boolean;
}

/** kube-proxy's behaviour, with a 5 minute upper bound on draining. */
export const DEFAULT_DRAIN_POLICY: DrainPolicy = { drainMs: 300_000, deleteWhenIdle: true, udpImmediate: true };

/** What to do with one destination that should go. */
export type RemovalStep = 'setWeightZero' | 'wait' | 'delete';

/**
 * The next step for a destination being removed. `drainingSinceMs` is when its drain began
 * (undefined when it has not begun); `nowMs` is the current time.
 */
export function removalStep(
  service: ServiceKey,
  dest: ObservedDestination,
  drainingSinceMs: number | undefined,
  nowMs: number,
  policy: DrainPolicy,
): RemovalStep {
  if (policy.drainMs <= 0) return 'delete';
  if (policy.udpImmediate && service.kind === 'addr' && service.protocol === 'udp') return 'delete';
  if (policy.deleteWhenIdle && dest.activeConns + dest.inactiveConns === 0) return 'delete';
  if (dest.weight !== 0) return 'setWeightZero';
  if (drainingSinceMs !== undefined && nowMs - drainingSinceMs >= policy.drainMs) return 'delete';
  return 'wait';
}
