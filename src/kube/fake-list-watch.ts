import type { ListResult, ListWatchClient, WatchEvent, WatchHandle } from './list-watch.js';
import type { StoredObject } from './object-store.js';

interface OpenWatch {
  readonly resourceVersion: string;
  readonly onEvent: (event: WatchEvent) => void;
  readonly onDone: (err?: unknown) => void;
  closed: boolean;
  /** False until the backlog was replayed; live events wait in the history until then. */
  live: boolean;
}

/**
 * An in-memory collection with the server's list/watch semantics, for informer tests: every
 * write bumps a global resourceVersion and is pushed to open watches; `failList`, `endWatches`
 * and `expire` inject the failures the informer must survive. Records an operation log.
 */
export class FakeListWatch<T extends StoredObject> implements ListWatchClient<T> {
  readonly resource: string;
  readonly ops: string[] = [];
  private readonly objects = new Map<string, T>();
  private readonly watches: OpenWatch[] = [];
  /** Every event with its resourceVersion, for watches that resume from an older version. */
  private history: { rv: number; event: WatchEvent }[] = [];
  /** Versions at or below this were compacted away: resuming from them is 410 Gone. */
  private compactedRv = 0;
  private rv = 1;
  /** Errors the next list calls reject with, in order. */
  failList: unknown[] = [];
  /** When set, list() never settles (a stalled request). */
  hangList = false;

  constructor(resource = 'things') {
    this.resource = resource;
  }

  /** Creates or replaces an object, as a write through the API would. */
  put(obj: T): T {
    return this.write(obj, true);
  }

  delete(name: string, namespace?: string): void {
    const key = namespace ? `${namespace}/${name}` : name;
    const old = this.objects.get(key);
    if (!old) return;
    this.objects.delete(key);
    const object = { ...old, metadata: { ...old.metadata, resourceVersion: String(++this.rv) } };
    this.record({ type: 'DELETED', object }, true);
  }

  /** A write the open watches do not see (a stalled or half-open connection). */
  putSilently(obj: T): void {
    this.write(obj, false);
  }

  /** Stores `obj` under the next resource version; `deliver`: the open watches see the event. */
  private write(obj: T, deliver: boolean): T {
    const stored = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } } as T;
    const key = keyOf(stored);
    const type = this.objects.has(key) ? 'MODIFIED' : 'ADDED';
    this.objects.set(key, stored);
    this.record({ type, object: stored }, deliver);
    return stored;
  }

  /** Forgets the history: resuming a watch from any version seen so far is 410 Gone. */
  compact(): void {
    this.compactedRv = this.rv;
    this.history = [];
  }

  bookmark(): void {
    this.push({ type: 'BOOKMARK', object: { metadata: { resourceVersion: String(this.rv) } } });
  }

  /** Ends every open watch, with an error or as a clean server-side close. */
  endWatches(err?: unknown): void {
    for (const w of this.watches.splice(0)) {
      if (w.closed) continue;
      w.closed = true;
      w.onDone(err);
    }
  }

  /** Sends the 410 ERROR event a compacted history produces. */
  expire(): void {
    this.push({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
  }

  get openWatches(): number {
    return this.watches.filter((w) => !w.closed).length;
  }

  list(): Promise<ListResult<T>> {
    this.ops.push('list');
    const err = this.failList.shift();
    if (err !== undefined) return Promise.reject(err);
    if (this.hangList) return new Promise(() => undefined);
    return Promise.resolve({ items: [...this.objects.values()], resourceVersion: String(this.rv) });
  }

  watch(resourceVersion: string, onEvent: (e: WatchEvent) => void, onDone: (err?: unknown) => void): WatchHandle {
    this.ops.push(`watch ${resourceVersion}`);
    const w: OpenWatch = { resourceVersion, onEvent, onDone, closed: false, live: false };
    this.watches.push(w);
    const from = Number(resourceVersion);
    // Replays are asynchronous, as a real stream is.
    queueMicrotask(() => {
      if (w.closed) return;
      if (from < this.compactedRv) {
        onEvent({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
        return;
      }
      for (const h of this.history) if (h.rv > from && !w.closed) onEvent(h.event);
      w.live = true;
    });
    return {
      abort: () => {
        if (w.closed) return;
        w.closed = true;
        onDone();
      },
    };
  }

  private record(event: WatchEvent, pushNow: boolean): void {
    this.history.push({ rv: this.rv, event });
    if (pushNow) this.push(event);
  }

  private push(event: WatchEvent): void {
    for (const w of [...this.watches]) if (!w.closed && w.live) w.onEvent(event);
  }
}

function keyOf(obj: StoredObject): string {
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${obj.metadata?.name ?? ''}` : (obj.metadata?.name ?? '');
}
