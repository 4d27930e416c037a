import type { IpvsRecordError } from './errors.js';
import { formatServiceKey } from './format.js';
import type { UnprovenEntry } from './ownership.js';
import { serviceId, type DesiredService, type ServiceKey } from './types.js';

/**
 * A desired service that the kernel already has and that we cannot prove is ours. It is left
 * exactly as it is (scheduler, flags, destinations) and never deleted: kube-proxy's
 * 10.96.0.1:443 or a hand-written `ipvsadm -A` rule keep working.
 *
 * - `foreign`: not in the ownership record: another tool made it.
 * - `unproven`: its record entry is corrupt (kept aside for inspection).
 * - `recordUnreadable`: the record as a whole cannot be read now.
 */
export type ServiceConflict =
  | { readonly reason: 'foreign'; readonly key: ServiceKey }
  | { readonly reason: 'unproven'; readonly key: ServiceKey; readonly entry: UnprovenEntry }
  | { readonly reason: 'recordUnreadable'; readonly key: ServiceKey; readonly error: IpvsRecordError };

/** What the conflict check needs to know about ownership. */
export interface OwnershipView {
  owns(key: ServiceKey): boolean;
  unprovenOf(key: ServiceKey): UnprovenEntry | undefined;
  readonly unreadable: IpvsRecordError | undefined;
}

/**
 * Pure: splits the desired services into those the planner may program (absent from the
 * kernel, or ours) and the conflicts (present and not provably ours).
 */
export function partitionOwned(
  desired: readonly DesiredService[],
  present: (id: string) => boolean,
  ownership: OwnershipView,
): { plannable: DesiredService[]; conflicts: ServiceConflict[] } {
  const plannable: DesiredService[] = [];
  const conflicts: ServiceConflict[] = [];
  for (const s of desired) {
    if (!present(serviceId(s.key)) || ownership.owns(s.key)) {
      plannable.push(s);
      continue;
    }
    const entry = ownership.unprovenOf(s.key);
    const error = ownership.unreadable;
    conflicts.push(
      entry
        ? { reason: 'unproven', key: s.key, entry }
        : error
          ? { reason: 'recordUnreadable', key: s.key, error }
          : { reason: 'foreign', key: s.key },
    );
  }
  return { plannable, conflicts };
}

/** The Kubernetes condition reason of a conflict (PascalCase). */
export function conflictReason(c: ServiceConflict): 'ServiceConflict' | 'OwnershipUnproven' {
  return c.reason === 'foreign' ? 'ServiceConflict' : 'OwnershipUnproven';
}

/** A sentence for a condition, an Event and `lvsctl`: the service, who owns it, what to do. */
export function conflictMessage(c: ServiceConflict): string {
  const svc = `IPVS service ${formatServiceKey(c.key)}`;
  switch (c.reason) {
    case 'foreign':
      return (
        `${svc} already exists on this node and is not in its ownership record: another tool ` +
        `(kube-proxy, ipvsadm, keepalived) owns it, so it is left untouched. Remove that service, ` +
        `or, if this node made it, adopt it with --adopt-ipvs-service`
      );
    case 'unproven':
      return (
        `${svc} exists but its ownership record entry is corrupt (${c.entry.error.message}` +
        `${c.entry.keptAt ? `; kept at ${c.entry.keptAt}` : ''}), so it is left untouched until ` +
        `adopted with --adopt-ipvs-service`
      );
    case 'recordUnreadable':
      return `${svc} exists but the ownership record cannot be read (${c.error.message}), so it is left untouched`;
  }
}
