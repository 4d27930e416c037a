import type { Registry } from 'prom-client';
import { metricsOn } from '../metrics/index.js';

/** Why an informer listed the collection again. */
export type RelistReason = 'start' | 'gone' | 'resync' | 'errors';
/** How a watch stream ended. */
export type WatchEndReason = 'closed' | 'gone' | 'error' | 'watchdog';

/** The lvs_kube_informer_* instruments behind intent-named methods. */
export interface InformerMetrics {
  relisted(resource: string, reason: RelistReason): void;
  watchEnded(resource: string, reason: WatchEndReason): void;
  synced(resource: string): void;
  /** A list failed; `status` is the HTTP status ("403") or "none". */
  listFailed(resource: string, status: string): void;
  objects(resource: string, count: number): void;
}

/** Registers the informer metrics on `registry`. */
export function createInformerMetrics(registry: Registry): InformerMetrics {
  const { counter, gauge } = metricsOn(registry);
  const relists = counter('lvs_kube_informer_relists_total', 'Full lists of a watched collection, by reason.', [
    'resource',
    'reason',
  ]);
  const watchEnds = counter('lvs_kube_informer_watch_ends_total', 'Watch streams that ended, by how they ended.', [
    'resource',
    'reason',
  ]);
  const listErrors = counter(
    'lvs_kube_informer_list_errors_total',
    'Failed lists of a watched collection, by HTTP status ("none": no answer); 403 means the identity may not read it.',
    ['resource', 'status'],
  );
  const synced = gauge('lvs_kube_informer_synced', '1 once the first list of the collection has been applied.', [
    'resource',
  ]);
  const objects = gauge('lvs_kube_informer_objects', 'Objects in the informer cache.', ['resource']);
  return {
    relisted: (resource, reason) => relists.inc({ resource, reason }),
    watchEnded: (resource, reason) => watchEnds.inc({ resource, reason }),
    synced: (resource) => synced.set({ resource }, 1),
    listFailed: (resource, status) => listErrors.inc({ resource, status }),
    objects: (resource, count) => objects.set({ resource }, count),
  };
}
