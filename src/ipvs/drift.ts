import { sameDestination, sameService } from './plan.js';
import { destId, serviceId, type ObservedService, type ServiceKey } from './types.js';

/** How the kernel's table of an owned service differs from what the last pass left. */
export type DriftKind =
  'service-missing' | 'service-changed' | 'destination-missing' | 'destination-added' | 'destination-changed';

export const DRIFT_KINDS: readonly DriftKind[] = [
  'service-missing',
  'service-changed',
  'destination-missing',
  'destination-added',
  'destination-changed',
];

/** One difference found, named by the service it is in. */
export interface Drift {
  readonly kind: DriftKind;
  readonly service: ServiceKey;
}

/**
 * Pure: the changes someone else made to owned services since the last pass, found by
 * comparing the table that pass left (`expected`, its dump with its own successful ops applied)
 * with a fresh dump. Only writable fields count (connection counters move on their own); a
 * service the record does not own is someone else's business.
 */
export function findDrift(
  expected: ReadonlyMap<string, ObservedService>,
  observed: readonly ObservedService[],
  owned: ReadonlyMap<string, unknown>,
): Drift[] {
  const now = new Map(observed.map((s) => [serviceId(s.key), s]));
  const drift: Drift[] = [];
  for (const [id, before] of expected) {
    if (!owned.has(id)) continue;
    const after = now.get(id);
    if (!after) {
      drift.push({ kind: 'service-missing', service: before.key });
      continue;
    }
    if (!sameService(before, after)) drift.push({ kind: 'service-changed', service: before.key });
    const afterDests = new Map(after.destinations.map((d) => [destId(d.key), d]));
    const beforeIds = new Set<string>();
    for (const d of before.destinations) {
      const key = destId(d.key);
      beforeIds.add(key);
      const a = afterDests.get(key);
      if (!a) drift.push({ kind: 'destination-missing', service: before.key });
      else if (!sameDestination(d, a)) drift.push({ kind: 'destination-changed', service: before.key });
    }
    for (const key of afterDests.keys()) {
      if (!beforeIds.has(key)) drift.push({ kind: 'destination-added', service: before.key });
    }
  }
  return drift;
}
