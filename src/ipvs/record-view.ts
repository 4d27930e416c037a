import type { IpvsRecordError } from './errors.js';
import { recordNameOf, type OwnershipSnapshot } from './ownership.js';
import type { PassOwnership } from './plan.js';
import { serviceId, type ServiceKey } from './types.js';

/**
 * Pure: the ownership a reconciler that just read the record would plan with: the record's
 * services (none when it could not be read, which then makes every present service
 * unprovable), plus the `adopt` services the kernel has (`--adopt-ipvs-service`, taken into
 * the record by the pass before it plans). For predicting a pass without running one.
 */
export function recordOwnership(
  record: OwnershipSnapshot | IpvsRecordError,
  adopt: readonly ServiceKey[],
  present: (id: string) => boolean,
): PassOwnership {
  const read = 'keys' in record ? record : undefined;
  const services = new Map((read?.keys ?? []).map((k) => [serviceId(k), k]));
  for (const k of adopt) if (present(serviceId(k))) services.set(serviceId(k), k);
  const unproven = new Map((read?.unproven ?? []).map((u) => [u.name, u]));
  return {
    services,
    owns: (key) => services.has(serviceId(key)),
    unprovenOf: (key) => unproven.get(recordNameOf(key)),
    unreadable: read ? undefined : (record as IpvsRecordError),
  };
}
