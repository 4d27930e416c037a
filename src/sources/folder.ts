import { watch, type FSWatcher } from 'node:fs';
import type { Registry } from 'prom-client';
import type { Clock, CancelTimer, Logger } from '../core/index.js';
import { messageOf } from '../core/index.js';
import { EMPTY_SNAPSHOT, mergeWithLastGood, type ManifestSnapshot } from './last-good.js';
import { loadManifestPaths } from './manifest-files.js';
import { formatDiagnostic } from './manifest-set.js';
import { SourceMetrics } from './metrics.js';

export interface FolderSourceOptions {
  readonly dir: string;
  readonly log: Logger;
  readonly registry: Registry;
  readonly clock: Clock;
  /** Quiet time after the last change before reloading (editors write in several steps). */
  readonly debounceMs?: number;
  /** Reload this often even without events, as a safety net for missed notifications. */
  readonly resyncMs?: number;
  /** While the folder is unavailable, look for it again this often (default 2 s). */
  readonly retryMs?: number;
}

export type SnapshotListener = (snapshot: ManifestSnapshot) => void;

/**
 * Desired state from a folder of manifests: loads at start, reloads on change (fs.watch,
 * debounced), on {@link FolderSource.reload} (SIGHUP) and periodically. Listeners see a new
 * snapshot only when the objects in effect change. A bad file is reported and the last good
 * version of its objects stays in effect (see mergeWithLastGood).
 *
 * A folder that is missing or cannot be listed is "source unavailable", never "nothing
 * desired": the last good snapshot stays in effect, an error is logged, lvs_config_source_up
 * drops to 0 and {@link FolderSource.unavailableReason} feeds /readyz. Only a readable folder
 * without manifests removes everything. The folder is looked for every `retryMs` until it is
 * back, and watched anew then (a watch does not survive the folder's removal).
 */
export class FolderSource {
  private snapshot: ManifestSnapshot = EMPTY_SNAPSHOT;
  private readonly listeners: SnapshotListener[] = [];
  private watcher: FSWatcher | undefined;
  private cancelDebounce: CancelTimer | undefined;
  private cancelResync: CancelTimer | undefined;
  private cancelRetry: CancelTimer | undefined;
  private loading: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly metrics: SourceMetrics;
  private readonly log: Logger;
  private lastReported = '';
  private unavailable: string | undefined;
  /** No snapshot has been read from the folder yet (it was unavailable from the start). */
  private neverLoaded = true;

  constructor(private readonly opts: FolderSourceOptions) {
    this.metrics = new SourceMetrics(opts.registry);
    this.log = opts.log.child({ component: 'folder-source', dir: opts.dir });
  }

  /**
   * Loads once, then watches. Resolves after the first load; listeners registered before see
   * the first snapshot read from the folder (later, if the folder is unavailable at start).
   */
  async start(): Promise<ManifestSnapshot> {
    await this.reload();
    this.armResync();
    return this.snapshot;
  }

  /** Why the folder cannot be used now (for /readyz), or undefined while it can. */
  unavailableReason(): string | undefined {
    if (this.unavailable === undefined) return undefined;
    return `manifest folder ${this.opts.dir} unavailable (${this.unavailable}); keeping the last good state (${this.snapshot.objects.length} objects)`;
  }

  private watchFolder(): void {
    if (this.watcher || this.stopped) return;
    try {
      this.watcher = watch(this.opts.dir, { recursive: true }, () => this.scheduleReload());
      this.watcher.on('error', (err) => {
        this.log.warn({ err: messageOf(err) }, 'watch failed; relying on periodic reloads');
        this.unwatch();
        this.scheduleReload();
      });
    } catch (err) {
      this.log.warn({ err: messageOf(err) }, 'cannot watch the folder; relying on periodic reloads');
    }
  }

  private unwatch(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  stop(): void {
    this.stopped = true;
    this.unwatch();
    this.cancelDebounce?.();
    this.cancelResync?.();
    this.cancelRetry?.();
  }

  current(): ManifestSnapshot {
    return this.snapshot;
  }

  onChange(listener: SnapshotListener): void {
    this.listeners.push(listener);
  }

  /** Reads the folder now; concurrent calls merge into one follow-up reload. */
  async reload(): Promise<void> {
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    this.loading = (async () => {
      do {
        this.again = false;
        await this.loadOnce();
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async loadOnce(): Promise<void> {
    let next: ManifestSnapshot;
    try {
      const loaded = await loadManifestPaths([this.opts.dir]);
      const missing = loaded.unavailable[0];
      if (missing) {
        this.markUnavailable(missing.reason);
        return;
      }
      this.markAvailable();
      next = mergeWithLastGood(this.snapshot, loaded.documents, loaded.diagnostics);
    } catch (err) {
      this.metrics.failed();
      this.log.error({ err: messageOf(err) }, 'reload failed; keeping the last good state');
      return;
    }
    const errors = next.diagnostics.filter((d) => d.severity === 'error').length;
    const kinds: Record<string, number> = {};
    for (const o of next.objects) kinds[o.object.kind] = (kinds[o.object.kind] ?? 0) + 1;
    this.metrics.reloaded(
      errors > 0 ? 'invalid' : 'ok',
      kinds,
      errors,
      next.diagnostics.length - errors,
      next.stale.length > 0,
    );
    this.report(next);
    const changed =
      JSON.stringify(next.objects.map((o) => o.object)) !== JSON.stringify(this.snapshot.objects.map((o) => o.object));
    this.snapshot = next;
    // The first reading is always announced, even when empty: listeners may have waited for it.
    if (changed || this.neverLoaded) {
      this.neverLoaded = false;
      this.log.info({ objects: next.objects.length, stale: next.stale.length }, 'configuration applied');
      for (const l of [...this.listeners]) l(next);
    }
  }

  /** Keeps the snapshot as it is; logs on every change of reason, retries soon. */
  private markUnavailable(reason: string): void {
    this.metrics.unavailable();
    this.unwatch();
    if (reason !== this.unavailable) {
      this.log.error(
        { reason, objects: this.snapshot.objects.length },
        'manifest folder unavailable; keeping the last good state until it is back',
      );
    }
    this.unavailable = reason;
    this.lastReported = '';
    this.cancelRetry?.();
    if (!this.stopped) {
      this.cancelRetry = this.opts.clock.setTimer(this.opts.retryMs ?? 2000, () => void this.reload());
    }
  }

  private markAvailable(): void {
    this.cancelRetry?.();
    this.cancelRetry = undefined;
    if (this.unavailable !== undefined) {
      this.log.warn({ was: this.unavailable }, 'manifest folder available again; reloading it');
      this.unavailable = undefined;
    }
    this.watchFolder();
  }

  /** Logs the diagnostics once per distinct set, not on every reload. */
  private report(next: ManifestSnapshot): void {
    const lines = next.diagnostics.map(formatDiagnostic);
    const key = lines.join('\n');
    if (key === this.lastReported) return;
    this.lastReported = key;
    for (const d of next.diagnostics) {
      const fields = { file: d.file, line: d.line, object: d.object, path: d.path, problem: d.message };
      if (d.severity === 'error') this.log.warn(fields, 'invalid manifest');
      else this.log.info(fields, 'manifest warning');
    }
    if (next.stale.length > 0)
      this.log.warn({ objects: next.stale }, 'keeping the last good version of invalid objects');
  }

  private scheduleReload(): void {
    if (this.stopped) return;
    this.cancelDebounce?.();
    this.cancelDebounce = this.opts.clock.setTimer(this.opts.debounceMs ?? 200, () => {
      // Errors are handled and counted inside reload(); nothing to await here.
      void this.reload();
    });
  }

  private armResync(): void {
    if (this.stopped) return;
    this.cancelResync = this.opts.clock.setTimer(this.opts.resyncMs ?? 60_000, () => {
      void this.reload().finally(() => this.armResync());
    });
  }
}
