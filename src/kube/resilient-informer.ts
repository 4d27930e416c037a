import type { Logger } from 'pino';
import type { CancelTimer, Clock } from '../core/index.js';
import { messageOf } from '../core/index.js';
import { backoffDelayMs, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import { KubeGoneError, KubeStallError } from './errors.js';
import { isGone, type ListWatchClient, type WatchEvent, type WatchHandle } from './list-watch.js';
import type { InformerMetrics, RelistReason, WatchEndReason } from './metrics.js';
import { ObjectStore, type StoreEvent, type StoredObject } from './object-store.js';

export interface InformerOptions<T extends StoredObject> {
  readonly client: ListWatchClient<T>;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics?: InformerMetrics;
  /**
   * A watch with no event (bookmarks count) for this long is abandoned and reopened. The API
   * server sends a bookmark about once a minute to a watch that asks for them, so the default
   * sits above that.
   */
  readonly watchdogMs?: number;
  /** Full relist period, the safety net for anything a watch may have missed. */
  readonly resyncMs?: number;
  /** A list that takes longer than this is abandoned and retried. */
  readonly listTimeoutMs?: number;
  readonly backoff?: BackoffPolicy;
  /** Aborting it stops the informer, as stop() does. */
  readonly signal?: AbortSignal;
  /** Told of every failed list or watch (a 403 on a collection the identity may not read, say). */
  readonly onError?: (err: unknown) => void;
}

/** Receives every change of the cache, after the cache has applied it. */
export type InformerListener<T> = (event: StoreEvent<T>) => void;

type Phase = 'stopped' | 'listing' | 'watching' | 'waiting';

/** A watch that lasted this long before failing counts as having worked (no backoff). */
const HEALTHY_WATCH_MS = 5_000;

/**
 * An informer that keeps its cache converged with the server whatever happens to the
 * connection. client-node's informers stop on a watch error and leave restarting to the caller;
 * this one is its own supervisor:
 * - a watch that ends (server timeout, dropped connection, API server restart) is reopened
 *   from the last resourceVersion, with exponential backoff while it keeps failing;
 * - 410 Gone (history compacted, API server restarted with a new watch cache) means relist;
 * - a watch silent for longer than the watchdog is abandoned and reopened (a half-open TCP
 *   connection or a stalled proxy never reports an error);
 * - a periodic full relist diffs the cache against the server, so even a lost event heals.
 * Listeners see one `added` / `modified` / `deleted` per real change, never a replay.
 */
export class ResilientInformer<T extends StoredObject> {
  private readonly store = new ObjectStore<T>();
  private readonly listeners: InformerListener<T>[] = [];
  private readonly syncWaiters: (() => void)[] = [];
  private readonly watchdogMs: number;
  private readonly resyncMs: number;
  private readonly listTimeoutMs: number;
  private readonly backoff: BackoffPolicy;
  private readonly log: Logger;
  private phase: Phase = 'stopped';
  private resourceVersion = '';
  private failures = 0;
  private eventsInWatch = 0;
  private watchOpenedAtMs = 0;
  private synced = false;
  private failure: unknown;
  /** Bumped on every new list or watch, so callbacks of an abandoned one are ignored. */
  private epoch = 0;
  private watch: WatchHandle | undefined;
  private cancelWatchdog: CancelTimer | undefined;
  private cancelResync: CancelTimer | undefined;
  private cancelWait: CancelTimer | undefined;

  constructor(private readonly opts: InformerOptions<T>) {
    this.watchdogMs = opts.watchdogMs ?? 90_000;
    this.resyncMs = opts.resyncMs ?? 10 * 60_000;
    this.listTimeoutMs = opts.listTimeoutMs ?? 60_000;
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.log = opts.log.child({ component: 'informer', resource: opts.client.resource });
  }

  get resource(): string {
    return this.opts.client.resource;
  }

  /** Registers a listener; returns a function that removes it. */
  on(listener: InformerListener<T>): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  get(name: string, namespace?: string): T | undefined {
    return this.store.get(name, namespace);
  }

  list(namespace?: string): T[] {
    return this.store.list(namespace);
  }

  /** True once the first list has been applied; deletions must wait for this. */
  get hasSynced(): boolean {
    return this.synced;
  }

  /** The error of the last failed list or watch; cleared by a successful list. */
  get lastError(): unknown {
    return this.failure;
  }

  /** Resolves when the first list has been applied. */
  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  start(): void {
    if (this.phase !== 'stopped' || this.opts.signal?.aborted) return;
    this.opts.signal?.addEventListener('abort', () => this.stop(), { once: true });
    this.relist('start');
  }

  stop(): void {
    this.phase = 'stopped';
    this.epoch++;
    this.closeWatch();
    this.cancelWait?.();
    this.cancelResync?.();
    this.cancelWait = this.cancelResync = undefined;
  }

  private relist(reason: RelistReason): void {
    this.closeWatch();
    this.cancelResync?.();
    this.phase = 'listing';
    const epoch = ++this.epoch;
    this.opts.metrics?.relisted(this.resource, reason);
    this.log.debug({ reason }, 'relisting');
    const cancelTimeout = this.opts.clock.setTimer(this.listTimeoutMs, () => {
      if (epoch !== this.epoch) return;
      this.retryLater(new KubeStallError(this.resource, 'list', this.listTimeoutMs), 'relist');
    });
    this.opts.client.list().then(
      (result) => {
        cancelTimeout();
        if (epoch !== this.epoch) return;
        this.failures = 0;
        this.failure = undefined;
        this.resourceVersion = result.resourceVersion;
        this.deliver(this.store.replace(result.items));
        this.markSynced();
        this.cancelResync = this.opts.clock.setTimer(this.resyncMs, () => {
          if (this.phase !== 'stopped') this.relist('resync');
        });
        this.openWatch();
      },
      (err: unknown) => {
        cancelTimeout();
        if (epoch !== this.epoch) return;
        this.retryLater(err, 'relist');
      },
    );
  }

  private openWatch(): void {
    this.phase = 'watching';
    const epoch = ++this.epoch;
    this.eventsInWatch = 0;
    this.watchOpenedAtMs = this.opts.clock.now();
    this.armWatchdog(epoch);
    const handle = this.opts.client.watch(
      this.resourceVersion,
      (event) => {
        if (epoch === this.epoch) this.onWatchEvent(event, epoch);
      },
      (err) => {
        if (epoch === this.epoch) this.onWatchDone(err);
      },
    );
    // A client that reports "done" synchronously has already moved us on.
    if (epoch === this.epoch) this.watch = handle;
    else handle.abort();
  }

  private onWatchEvent(event: WatchEvent, epoch: number): void {
    this.armWatchdog(epoch);
    this.eventsInWatch++;
    if (event.type === 'ERROR') {
      this.endWatch(isGone(event.object) ? 'gone' : 'error', new KubeGoneError(this.resource));
      return;
    }
    const obj = event.object as T;
    const rv = obj.metadata?.resourceVersion;
    if (rv) this.resourceVersion = rv;
    // A successful event proves the connection works: the next failure starts a fresh backoff.
    this.failures = 0;
    if (event.type === 'BOOKMARK') return;
    this.log.trace(
      { op: event.type, object: `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}` },
      'watch event',
    );
    const change = event.type === 'DELETED' ? this.store.remove(obj) : this.store.upsert(obj);
    if (change) this.deliver([change]);
  }

  private onWatchDone(err: unknown): void {
    if (err === undefined) {
      this.endWatch('closed');
      return;
    }
    if (isGone(err)) {
      this.endWatch('gone', err);
      return;
    }
    // A stream that worked for a while and then broke (client-node's own 30 s inactivity
    // timer on a quiet watch, a load balancer's idle timeout) is resumed at once, quietly.
    if (this.opts.clock.now() - this.watchOpenedAtMs >= HEALTHY_WATCH_MS) {
      this.closeWatch();
      this.opts.metrics?.watchEnded(this.resource, 'error');
      this.failures = 0;
      this.log.debug({ err: messageOf(err) }, 'watch ended after working; resuming');
      this.openWatch();
      return;
    }
    this.endWatch('error', err);
  }

  private endWatch(reason: WatchEndReason, err?: unknown): void {
    this.closeWatch();
    this.opts.metrics?.watchEnded(this.resource, reason);
    switch (reason) {
      case 'closed':
        // The server's timeoutSeconds: resume at once. A stream closed before any event (an
        // API server shutting down) goes through the backoff, so it cannot spin.
        if (this.eventsInWatch === 0) {
          this.retryLater(new KubeStallError(this.resource, 'watch', 0), 'watch');
          return;
        }
        this.log.debug('watch closed by the server; resuming');
        this.openWatch();
        return;
      case 'gone':
        this.log.info({ reason }, 'watch expired; relisting');
        this.relist('gone');
        return;
      case 'error':
      case 'watchdog':
        this.retryLater(err, 'watch');
        return;
    }
  }

  private retryLater(err: unknown, next: 'relist' | 'watch'): void {
    this.closeWatch();
    this.failure = err;
    if (next === 'relist') this.opts.metrics?.listFailed(this.resource, statusOf(err));
    const delayMs = backoffDelayMs(this.backoff, this.failures++);
    this.phase = 'waiting';
    const epoch = ++this.epoch;
    // The first failure is worth a warning; repeats are counted by the metrics only.
    const level = this.failures === 1 ? 'warn' : 'debug';
    this.log[level]({ err: messageOf(err), next, delayMs, failures: this.failures }, 'list/watch failed; retrying');
    try {
      this.opts.onError?.(err);
    } catch (cbErr) {
      this.log.error({ err: messageOf(cbErr) }, 'informer error callback threw');
    }
    this.cancelWait = this.opts.clock.setTimer(delayMs, () => {
      if (epoch !== this.epoch) return;
      // After repeated watch failures the resourceVersion may be long gone: relist instead.
      if (next === 'relist' || this.failures >= 3) this.relist('errors');
      else this.openWatch();
    });
  }

  private armWatchdog(epoch: number): void {
    this.cancelWatchdog?.();
    this.cancelWatchdog = this.opts.clock.setTimer(this.watchdogMs, () => {
      if (epoch !== this.epoch) return;
      this.log.warn({ afterMs: this.watchdogMs }, 'watch silent; reopening');
      this.endWatch('watchdog', new KubeStallError(this.resource, 'watch', this.watchdogMs));
    });
  }

  private closeWatch(): void {
    this.cancelWatchdog?.();
    this.cancelWatchdog = undefined;
    const w = this.watch;
    this.watch = undefined;
    // Invalidate the watch's callbacks before aborting: abort() reports "done" synchronously.
    if (w) {
      this.epoch++;
      w.abort();
    }
  }

  private markSynced(): void {
    this.opts.metrics?.objects(this.resource, this.store.size);
    if (this.synced) return;
    this.synced = true;
    this.opts.metrics?.synced(this.resource);
    for (const resolve of this.syncWaiters.splice(0)) resolve();
  }

  private deliver(events: readonly StoreEvent<T>[]): void {
    if (events.length === 0) return;
    this.opts.metrics?.objects(this.resource, this.store.size);
    for (const event of events) {
      for (const listener of [...this.listeners]) {
        try {
          listener(event);
        } catch (err) {
          this.log.error({ err }, 'informer listener threw');
        }
      }
    }
  }
}

/** The HTTP status of a failed request as a metric label ("403"), or "none" (timeouts, resets). */
function statusOf(err: unknown): string {
  const status = (err as { status?: unknown; statusCode?: unknown } | null)?.status;
  return typeof status === 'number' ? String(status) : 'none';
}
