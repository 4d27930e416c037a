/** What a Lease says, in our units. */
export interface LeaseRecord {
  readonly holder: string;
  readonly leaseDurationMs: number;
  /** Wall-clock renew time as written by the holder; compared only for change, never to our clock. */
  readonly renewTime: string;
  readonly transitions: number;
}

/** When we last saw the record change, on our monotonic clock. */
export interface LeaseObservation {
  readonly record: LeaseRecord;
  readonly observedAtMs: number;
}

export type LeaseAction = 'create' | 'acquire' | 'renew' | 'wait';

/**
 * Whether to write the Lease, pure. As client-go's leaderelection: another holder's lease
 * counts as valid for leaseDuration after we *observed* its last change, measured on our own
 * monotonic clock, so clock skew between nodes does not matter. An empty holder (a released
 * lease) may be taken at once.
 */
export function decideLease(
  identity: string,
  current: LeaseRecord | undefined,
  observed: LeaseObservation | undefined,
  nowMs: number,
): LeaseAction {
  if (!current) return 'create';
  if (current.holder === identity) return 'renew';
  if (current.holder === '') return 'acquire';
  const observedAt = observed && sameRecord(observed.record, current) ? observed.observedAtMs : nowMs;
  return nowMs - observedAt >= current.leaseDurationMs ? 'acquire' : 'wait';
}

/** True when two reads show the same holder and renew time (nothing happened in between). */
export function sameRecord(a: LeaseRecord, b: LeaseRecord): boolean {
  return a.holder === b.holder && a.renewTime === b.renewTime && a.transitions === b.transitions;
}
