/** The part of a Kubernetes object the store needs. */
export interface StoredObject {
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly resourceVersion?: string;
    readonly uid?: string;
  };
}

/** What changed in a store; `old` is set for modifications and deletions. */
export type StoreEvent<T> =
  | { readonly type: 'added'; readonly object: T }
  | { readonly type: 'modified'; readonly object: T; readonly old: T }
  | { readonly type: 'deleted'; readonly object: T };

/** "namespace/name", or "name" for cluster-scoped objects. */
export function storeKeyOf(obj: StoredObject): string {
  const ns = obj.metadata?.namespace;
  const name = obj.metadata?.name ?? '';
  return ns ? `${ns}/${name}` : name;
}

/**
 * The informer's cache: objects by namespace/name. Every mutation returns the events it
 * caused, so the informer decides when to deliver them. An update with an unchanged
 * resourceVersion is no change (client-node's ListWatch does the same). No I/O.
 */
export class ObjectStore<T extends StoredObject> {
  private readonly objects = new Map<string, T>();

  get(name: string, namespace?: string): T | undefined {
    return this.objects.get(namespace ? `${namespace}/${name}` : name);
  }

  /** Every object, or those of one namespace, in key order. */
  list(namespace?: string): T[] {
    const all = [...this.objects.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, o]) => o);
    return namespace === undefined ? all : all.filter((o) => o.metadata?.namespace === namespace);
  }

  get size(): number {
    return this.objects.size;
  }

  upsert(obj: T): StoreEvent<T> | undefined {
    const key = storeKeyOf(obj);
    const old = this.objects.get(key);
    this.objects.set(key, obj);
    if (!old) return { type: 'added', object: obj };
    if (old.metadata?.resourceVersion === obj.metadata?.resourceVersion && old.metadata?.uid === obj.metadata?.uid) {
      return undefined;
    }
    return { type: 'modified', object: obj, old };
  }

  remove(obj: T): StoreEvent<T> | undefined {
    const key = storeKeyOf(obj);
    const old = this.objects.get(key);
    if (!old) return undefined;
    this.objects.delete(key);
    return { type: 'deleted', object: old };
  }

  /** Replaces the whole content with a fresh list, returning what differs (deletions first). */
  replace(items: readonly T[]): StoreEvent<T>[] {
    const fresh = new Set(items.map(storeKeyOf));
    const events: StoreEvent<T>[] = [];
    for (const [key, old] of [...this.objects.entries()]) {
      if (fresh.has(key)) continue;
      this.objects.delete(key);
      events.push({ type: 'deleted', object: old });
    }
    for (const item of items) {
      const event = this.upsert(item);
      if (event) events.push(event);
    }
    return events;
  }
}
