import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { KubeApiError } from './errors.js';
import { formatRef } from '../model/index.js';
import { customObjectCoordinates, type LvsObjectRef } from './object-ref.js';
import { statusCodeOf } from './status-writer.js';

/** Held on our objects until every node has removed what it programmed for them. */
export const CLEANUP_FINALIZER = 'lvs.io/cleanup';

/** One RFC 6902 operation. */
export type JsonPatchOp =
  | { readonly op: 'test'; readonly path: string; readonly value: unknown }
  | { readonly op: 'add'; readonly path: string; readonly value: unknown }
  | { readonly op: 'remove'; readonly path: string };

interface WithFinalizers {
  readonly metadata?: { readonly finalizers?: readonly string[]; readonly resourceVersion?: string };
}

/**
 * The JSON patch that adds or removes one finalizer, or undefined when there is nothing to do.
 * Pure. The patch tests the list it was computed from, so a concurrent change of the
 * finalizers (another node, the garbage collector) makes it fail instead of clobbering them.
 */
export function finalizerPatch(obj: WithFinalizers, finalizer: string, want: boolean): JsonPatchOp[] | undefined {
  const list = obj.metadata?.finalizers;
  const has = list?.includes(finalizer) ?? false;
  if (has === want) return undefined;
  if (want) {
    return list
      ? [
          { op: 'test', path: '/metadata/finalizers', value: list },
          { op: 'add', path: '/metadata/finalizers/-', value: finalizer },
        ]
      : [
          { op: 'test', path: '/metadata/finalizers', value: null },
          { op: 'add', path: '/metadata/finalizers', value: [finalizer] },
        ];
  }
  const index = list?.indexOf(finalizer) ?? -1;
  return [
    { op: 'test', path: `/metadata/finalizers/${index}`, value: finalizer },
    { op: 'remove', path: `/metadata/finalizers/${index}` },
  ];
}

/**
 * Adds (`want` true) or removes a finalizer on one of our objects. Returns false when the
 * object changed underneath (HTTP 422 from a failed test, 409) or is gone (404): the caller
 * retries from a fresh read on its next pass.
 */
export async function setFinalizer(
  kc: KubeConfig,
  ref: LvsObjectRef,
  current: WithFinalizers,
  want: boolean,
  finalizer = CLEANUP_FINALIZER,
): Promise<boolean> {
  const patch = finalizerPatch(current, finalizer, want);
  if (!patch) return true;
  const api = kc.makeApiClient(CustomObjectsApi);
  try {
    await api.patchNamespacedCustomObject(
      { ...customObjectCoordinates(ref.kind), namespace: ref.namespace, name: ref.name, body: patch },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    return true;
  } catch (err) {
    const code = statusCodeOf(err);
    if (code === 404 || code === 409 || code === 422) return false;
    throw new KubeApiError(`${want ? 'add' : 'remove'} finalizer on ${formatRef(ref)}`, code, undefined, err);
  }
}
