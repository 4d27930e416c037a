import type { Logger } from '../core/index.js';
import { IpvsRecordError, systemErrnoName } from './errors.js';
import { formatServiceKey } from './format.js';
import type { IpvsMetrics } from './metrics.js';
import { recordNameOf, type OwnershipStore, type UnprovenEntry } from './ownership.js';
import { serviceId, type ServiceKey } from './types.js';

/**
 * The reconciler's view of what it owns: the durable record (an {@link OwnershipStore}) plus
 * what this process created or deleted and could not yet write down. A service is claimed
 * (recorded) before it is created, so a crash between the two leaves an entry for a service
 * that does not exist (harmless: collected by the next pass), never a service we made that a
 * restart would take for someone else's. When the record cannot be written the data plane
 * goes on: the claim is kept in memory, the write retried with backoff, and the fault reported
 * (log, metric, readiness) until it succeeds.
 */
export class OwnershipLedger {
  private readonly owned = new Map<string, ServiceKey>();
  private readonly unproven = new Map<string, UnprovenEntry>();
  /** Claims and releases not yet in the store. */
  private readonly pendingAdd = new Map<string, ServiceKey>();
  private readonly pendingRemove = new Map<string, ServiceKey>();
  private loaded = false;
  private readError: IpvsRecordError | undefined;
  private writeError: IpvsRecordError | undefined;
  private failures = 0;
  private readonly log: Logger;

  constructor(
    private readonly store: OwnershipStore,
    log: Logger,
    private readonly metrics: IpvsMetrics | undefined,
  ) {
    this.log = log;
  }

  /** The services owned now (by serviceId), for the planner. */
  get services(): ReadonlyMap<string, ServiceKey> {
    return this.owned;
  }

  /** Whether the record was read; until then nothing but this process's own claims is owned. */
  get isLoaded(): boolean {
    return this.loaded;
  }

  owns(key: ServiceKey): boolean {
    return this.owned.has(serviceId(key));
  }

  /** The bad record entry filed under `key`'s name, if its load found one. */
  unprovenOf(key: ServiceKey): UnprovenEntry | undefined {
    return this.unproven.get(recordNameOf(key));
  }

  /** Why ownership cannot be proven at all now: the record could not be read. */
  get unreadable(): IpvsRecordError | undefined {
    return this.loaded ? undefined : this.readError;
  }

  /** The record fault that makes the node degraded (readiness), if any. */
  fault(): IpvsRecordError | undefined {
    return this.unreadable ?? this.writeError;
  }

  /** How long to wait before the next attempt while a fault lasts: doubling, capped. */
  backoffMs(baseMs: number, maxMs: number): number {
    return Math.min(maxMs, baseMs * 2 ** Math.min(this.failures, 16));
  }

  /** Reads the record once; on failure reports and tries again at the next call. */
  async load(): Promise<void> {
    if (this.loaded) return;
    try {
      const snapshot = await this.store.load();
      for (const k of snapshot.keys) {
        // A release this process made while the record was unreadable wins over the file.
        if (!this.pendingRemove.has(serviceId(k))) this.owned.set(serviceId(k), k);
      }
      for (const u of snapshot.unproven) {
        this.unproven.set(u.name, u);
        this.metrics?.recordFailed('read', u.error.errnoName);
        this.log.error(
          { path: u.error.path, keptAt: u.keptAt, errno: u.error.errnoName, err: u.error },
          'ipvs ownership record entry not trusted',
        );
      }
      this.loaded = true;
      if (this.readError) this.log.info({ path: this.readError.path }, 'ipvs ownership record read');
      this.readError = undefined;
      this.updateFailures();
      this.log.info({ services: this.owned.size, unproven: this.unproven.size }, 'ipvs ownership record loaded');
    } catch (err) {
      const error = asRecordError('read', err);
      if (this.readError?.message !== error.message) {
        this.log.error({ path: error.path, errno: error.errnoName, err: error }, 'ipvs ownership record unreadable');
      }
      this.readError = error;
      this.metrics?.recordFailed('read', error.errnoName);
      this.updateFailures();
    }
  }

  /** Owns `key` before it is created; never throws (a failed write stays pending). */
  async claim(key: ServiceKey): Promise<void> {
    const id = serviceId(key);
    this.owned.set(id, key);
    this.pendingRemove.delete(id);
    this.pendingAdd.set(id, key);
    this.log.info({ vs: formatServiceKey(key) }, 'ipvs service owned');
    await this.flush();
  }

  /** Forgets `key` once it is deleted; never throws (a failed write stays pending). */
  async release(key: ServiceKey): Promise<void> {
    const id = serviceId(key);
    if (!this.owned.delete(id) && !this.pendingAdd.has(id)) return;
    this.pendingAdd.delete(id);
    this.pendingRemove.set(id, key);
    await this.flush();
  }

  /** Writes what is pending; the first failure stops the attempt and is reported. */
  async flush(): Promise<void> {
    if (this.pendingAdd.size + this.pendingRemove.size === 0) return;
    try {
      for (const [id, key] of this.pendingAdd) {
        await this.store.add(key);
        this.pendingAdd.delete(id);
      }
      for (const [id, key] of this.pendingRemove) {
        await this.store.remove(key);
        this.pendingRemove.delete(id);
      }
      if (this.writeError) this.log.info({ path: this.writeError.path }, 'ipvs ownership record written again');
      this.writeError = undefined;
    } catch (err) {
      const error = asRecordError('write', err);
      if (this.writeError?.message !== error.message) {
        this.log.error(
          {
            path: error.path,
            errno: error.errnoName,
            pending: this.pendingAdd.size + this.pendingRemove.size,
            err: error,
          },
          'ipvs ownership record not written',
        );
      }
      this.writeError = error;
      this.metrics?.recordFailed(error.op, error.errnoName);
    }
    this.metrics?.recordPending(this.pendingAdd.size + this.pendingRemove.size);
    this.updateFailures();
  }

  private updateFailures(): void {
    this.failures = this.fault() ? this.failures + 1 : 0;
  }
}

function asRecordError(op: 'read' | 'write', err: unknown): IpvsRecordError {
  if (err instanceof IpvsRecordError) return err;
  return new IpvsRecordError(op, '(record)', systemErrnoName(err), err instanceof Error ? err.message : String(err), {
    cause: err,
  });
}
