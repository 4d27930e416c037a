/** A resource to list and watch, and how to narrow it. */
export interface ResourceRef {
  /** API group; empty for the core group (Nodes, Secrets). */
  readonly group: string;
  readonly version: string;
  /** Lower-case plural, as in the URL: "vrrpgroups", "nodes". */
  readonly plural: string;
  /** Limits a namespaced resource to one namespace; all namespaces when absent. */
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

/** The collection URL of a resource: /apis/lvs.io/v1alpha1/vrrpgroups, /api/v1/nodes. */
export function collectionPath(ref: ResourceRef): string {
  const base = ref.group ? `/apis/${ref.group}/${ref.version}` : `/api/${ref.version}`;
  return `${base}${ref.namespace ? `/namespaces/${ref.namespace}` : ''}/${ref.plural}`;
}

/** A consistent snapshot of a collection. */
export interface ListResult<T> {
  readonly items: T[];
  readonly resourceVersion: string;
}

/** One line of a watch stream (BOOKMARK carries only a resourceVersion, ERROR a Status). */
export interface WatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: unknown;
}

/** An open watch; `abort` may be called at any time, also before the stream is established. */
export interface WatchHandle {
  abort(): void;
}

/**
 * Port: list and watch one collection. The adapter over @kubernetes/client-node is
 * {@link createListWatchClient}; tests use a fake. `onDone` is called exactly once per watch,
 * with the error or undefined when the server closed the stream.
 */
export interface ListWatchClient<T> {
  readonly resource: string;
  list(): Promise<ListResult<T>>;
  watch(resourceVersion: string, onEvent: (event: WatchEvent) => void, onDone: (err?: unknown) => void): WatchHandle;
}

/** True for a watch ERROR object or an HTTP error that means "resourceVersion too old". */
export function isGone(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const v = value as { code?: unknown; statusCode?: unknown; status?: unknown; reason?: unknown };
  return v.code === 410 || v.statusCode === 410 || v.reason === 'Expired' || v.reason === 'Gone';
}
