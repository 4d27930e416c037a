/**
 * Pure: the field managers node roles write status under, and which objects a node must
 * withdraw its items from. Each node applies its items (src/director and src/realserver make
 * them) under its own field manager; the status lists are server-side-apply maps (src/api
 * `listMapKeys`), so a node owns exactly its items.
 */
import type { Kind } from '../api/index.js';
import type { NodeStatusItem } from '../status/index.js';
import type { LvsObjectRef } from './object-ref.js';

/** The node roles that write status. */
export type NodeRole = 'director' | 'realserver';

const NODE_MANAGER_PREFIX = 'lvs-operator/';

/**
 * The field manager of a node role's writer: `lvs-operator/<node>` for the director,
 * `lvs-operator/<node>/realserver` for the realserver role. One per role, because a node that
 * runs both writes to the same objects (VirtualServer, RealServer) from two processes, and an
 * apply withdraws whatever its manager owned and left out. Node names hold no slash.
 */
export function nodeFieldManager(node: string, role: NodeRole = 'director'): string {
  return role === 'director' ? `${NODE_MANAGER_PREFIX}${node}` : `${NODE_MANAGER_PREFIX}${node}/${role}`;
}

/** The node of a node role's field manager; undefined for any other manager (the controller's). */
export function nodeOfFieldManager(manager: string, controllerManager: string): string | undefined {
  if (!manager.startsWith(NODE_MANAGER_PREFIX) || manager === controllerManager) return undefined;
  const node = manager.slice(NODE_MANAGER_PREFIX.length).split('/')[0];
  return node === '' ? undefined : node;
}

/** An object as the cache holds it, with the bookkeeping the API server adds. */
export interface CachedObject {
  readonly metadata?: {
    readonly namespace?: string;
    readonly name?: string;
    readonly managedFields?: readonly {
      readonly manager?: string;
      readonly subresource?: string;
      readonly fieldsV1?: { readonly 'f:status'?: object };
    }[];
  };
}

/**
 * Objects of `kind` where `fieldManager` still owns status items although this node reports
 * nothing for them any more (deleted, no longer selected, left the node): the node applies an
 * empty status there, which withdraws its items. Reading ownership from managedFields, not from
 * memory, also catches what a previous run of the node left behind.
 */
export function staleStatusRefs(
  kind: Kind,
  cached: readonly CachedObject[],
  fieldManager: string,
  reported: readonly NodeStatusItem[],
): LvsObjectRef[] {
  const live = new Set(reported.map((i) => `${i.ref.kind}/${i.ref.namespace}/${i.ref.name}`));
  const stale: LvsObjectRef[] = [];
  for (const o of cached) {
    const namespace = o.metadata?.namespace ?? '';
    const name = o.metadata?.name ?? '';
    if (live.has(`${kind}/${namespace}/${name}`)) continue;
    const owns = (o.metadata?.managedFields ?? []).some(
      (f) =>
        f.manager === fieldManager &&
        f.subresource === 'status' &&
        Object.keys(f.fieldsV1?.['f:status'] ?? {}).length > 0,
    );
    if (owns) stale.push({ kind, namespace, name });
  }
  return stale;
}

/**
 * Objects of `kind` where `fieldManager` owns `status.<field>`. A role whose field manager
 * changed withdraws what it wrote under the old one with this (the realserver role wrote
 * RealServer `status.vips` as `lvs-operator/<node>` before it had a manager of its own), since
 * a live node's items would otherwise hold the object's finalizer for good.
 */
export function ownedStatusFieldRefs(
  kind: Kind,
  cached: readonly CachedObject[],
  fieldManager: string,
  field: string,
): LvsObjectRef[] {
  return cached.flatMap((o) =>
    (o.metadata?.managedFields ?? []).some(
      (f) =>
        f.manager === fieldManager && f.subresource === 'status' && `f:${field}` in (f.fieldsV1?.['f:status'] ?? {}),
    )
      ? [{ kind, namespace: o.metadata?.namespace ?? '', name: o.metadata?.name ?? '' }]
      : [],
  );
}
