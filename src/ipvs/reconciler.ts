import type { CancelTimer, Clock, Logger } from '../core/index.js';
import type { IpvsClient, OpResult } from './client.js';
import { DEFAULT_DRAIN_POLICY, type DrainPolicy } from './drain.js';
import { findDrift, type Drift } from './drift.js';
import type { IpvsMetrics } from './metrics.js';
import { partitionOwned, type ServiceConflict } from './conflicts.js';
import type { IpvsRecordError } from './errors.js';
import type { OwnershipStore } from './ownership.js';
import { OwnershipLedger } from './ownership-ledger.js';
import { applyOps, diffDesired, planOwnedTable, planTable } from './plan.js';
import {
  serviceDestId,
  serviceId,
  type DesiredService,
  type DestKey,
  type ObservedService,
  type Op,
  type ServiceKey,
} from './types.js';
import { formatServiceKey } from './format.js';

/** Dependencies and knobs of an {@link IpvsReconciler}. */
export interface IpvsReconcilerOptions {
  readonly client: IpvsClient;
  readonly log: Logger;
  readonly clock: Clock;
  readonly ownership: OwnershipStore;
  /**
   * Services to take into the ownership record when the kernel has them and the record does
   * not: the explicit admin action after the record was lost (`--adopt-ipvs-service`). Never
   * implied: an unrecorded service is otherwise someone else's.
   */
  readonly adopt?: readonly ServiceKey[];
  readonly metrics?: IpvsMetrics;
  readonly drain?: DrainPolicy;
  /** Full resync period, the safety net against drift (kube-proxy's syncPeriod). */
  readonly resyncMs?: number;
  /** How soon to pass again while destinations drain or ops failed. */
  readonly retryMs?: number;
  /** Wall time for the last-sync metric. */
  readonly wallNowMs?: () => number;
}

/** A destination at weight 0 waiting for its connections to end before it is deleted. */
export interface DrainingDestination {
  readonly service: ServiceKey;
  readonly destination: DestKey;
  readonly activeConns: number;
  readonly inactiveConns: number;
  /** When the drain began (the reconciler's clock). */
  readonly sinceMs: number;
}

/** What one pass did. */
export interface SyncReport {
  /** False when no desired state has been given yet: nothing was read or written. */
  readonly ran: boolean;
  readonly results: readonly OpResult[];
  readonly failed: readonly OpResult[];
  /** Destinations still draining. */
  readonly waiting: number;
  readonly elapsedMs: number;
}

/**
 * Level-triggered reconciliation of the kernel IPVS table: each pass observes (one dump),
 * plans (plan.ts, pure), applies (one batched apply) and reports (metrics, logs). One pass is
 * in flight at a time; requests that arrive meanwhile merge into a single follow-up pass.
 * Nothing happens before the first desired state arrives, so a half-filled cache never deletes
 * kernel state; the reconciler owns the desired services plus those recorded as created by it,
 * and never flushes.
 */
export class IpvsReconciler {
  private desired: Map<string, DesiredService> | undefined;
  /** The kernel table as the last full pass saw it, with our successful ops applied since. */
  private observed: Map<string, ObservedService> | undefined;
  private readonly ledger: OwnershipLedger;
  private readonly conflictsById = new Map<string, ServiceConflict>();
  private draining = new Map<string, number>();
  private inFlight: Promise<SyncReport> | undefined;
  private queued: Promise<SyncReport> | undefined;
  /** Passes and updates run one after the other, each on the table the one before left. */
  private lane: Promise<unknown> = Promise.resolve();
  private cancelTimer: CancelTimer | undefined;
  private running = false;
  private readonly loggedFailures = new Set<string>();
  private readonly log: Logger;
  private readonly drain: DrainPolicy;
  private readonly resyncMs: number;
  private readonly retryMs: number;

  constructor(private readonly opts: IpvsReconcilerOptions) {
    this.log = opts.log.child({ component: 'ipvs-reconciler' });
    this.drain = opts.drain ?? DEFAULT_DRAIN_POLICY;
    this.resyncMs = opts.resyncMs ?? 30_000;
    this.retryMs = opts.retryMs ?? 1_000;
    this.ledger = new OwnershipLedger(opts.ownership, this.log, opts.metrics);
  }

  /**
   * Desired services left untouched because the kernel has them and they are not provably
   * ours (conflicts.ts), as of the last pass or update.
   */
  conflicts(): ServiceConflict[] {
    return [...this.conflictsById.values()];
  }

  /** The ownership record's fault while it cannot be read or written (readiness), if any. */
  recordFault(): IpvsRecordError | undefined {
    return this.ledger.fault();
  }

  /** Replaces the desired table and asks for a pass. */
  setDesired(services: readonly DesiredService[]): Promise<SyncReport> {
    this.desired = new Map(services.map((s) => [serviceId(s.key), s]));
    return this.sync();
  }

  /**
   * Replaces the desired table, writing only the services that differ from the previous one
   * through {@link update} (no dump); the first time, a full pass. The periodic full pass keeps
   * repairing drift. For callers that recompute the whole table on every change.
   */
  changeDesired(services: readonly DesiredService[]): Promise<SyncReport> {
    const previous = this.desired;
    if (!previous) return this.setDesired(services);
    const { changed, removed } = diffDesired(previous, services);
    if (changed.length === 0 && removed.length === 0) {
      return Promise.resolve({ ran: false, results: [], failed: [], waiting: 0, elapsedMs: 0 });
    }
    return this.update(changed, removed);
  }

  /** Runs a pass now, or joins the follow-up of the one in flight. */
  sync(): Promise<SyncReport> {
    if (!this.inFlight) {
      this.inFlight = this.exclusive(() => this.pass()).finally(() => {
        this.inFlight = undefined;
      });
      return this.inFlight;
    }
    this.queued ??= this.inFlight.then(
      () => this.followUp(),
      () => this.followUp(),
    );
    return this.queued;
  }

  /** Runs `fn` once every pass and update before it has settled. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lane.then(fn, fn);
    this.lane = run.catch(() => undefined);
    return run;
  }

  private followUp(): Promise<SyncReport> {
    this.queued = undefined;
    return this.sync();
  }

  /** Starts periodic resyncs; `signal` stops them. */
  start(signal?: AbortSignal): void {
    this.running = true;
    signal?.addEventListener('abort', () => this.stop(), { once: true });
    this.arm(this.resyncMs);
  }

  stop(): void {
    this.running = false;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  /**
   * The destinations draining now, with their connection counts as the last pass saw them
   * (a pass runs every retry interval while any drains).
   */
  drainingDestinations(): DrainingDestination[] {
    const out: DrainingDestination[] = [];
    for (const s of this.observed?.values() ?? []) {
      for (const d of s.destinations) {
        const sinceMs = this.draining.get(serviceDestId(s.key, d.key));
        if (sinceMs === undefined) continue;
        out.push({
          service: s.key,
          destination: d.key,
          activeConns: d.activeConns,
          inactiveConns: d.inactiveConns,
          sinceMs,
        });
      }
    }
    return out;
  }

  private arm(ms: number): void {
    if (!this.running) return;
    this.cancelTimer?.();
    this.cancelTimer = this.opts.clock.setTimer(ms, () => {
      // The pass reports its own failures; the timer only needs it started.
      void this.sync().catch(() => undefined);
    });
  }

  private async pass(): Promise<SyncReport> {
    const started = this.opts.clock.now();
    if (!this.desired) return { ran: false, results: [], failed: [], waiting: 0, elapsedMs: 0 };
    const desired = [...this.desired.values()];
    try {
      await this.ledger.load();
      await this.ledger.flush();
      const observed = await this.opts.client.dump({ stats: false });
      if (this.observed) this.reportDrift(findDrift(this.observed, observed, this.ledger.services));
      await this.adopt(new Set(observed.map((s) => serviceId(s.key))));
      const { plan, conflicts } = planOwnedTable({
        desired,
        observed,
        ownership: this.ledger,
        draining: this.draining,
        nowMs: started,
        drain: this.drain,
      });
      this.setConflicts(conflicts, undefined);
      const results = await this.applyOwned(plan.ops);
      this.reportDrains(this.draining, plan.draining, results, started);
      this.draining = plan.draining;
      this.observed = new Map(applyOps(observed, succeeded(results)).map((s) => [serviceId(s.key), s]));
      const failed = results.filter((r) => r.error);
      await this.collect(desired, this.observed);
      this.report(results, failed);
      const elapsedMs = this.opts.clock.now() - started;
      this.opts.metrics?.synced(elapsedMs, results, this.ledger.services.size, plan.draining.size, this.wallNow());
      this.log.debug(
        { ops: results.length, failed: failed.length, draining: plan.draining.size, elapsedMs },
        'ipvs synced',
      );
      this.arm(this.nextPassMs(failed.length > 0 || plan.draining.size > 0));
      return { ran: true, results, failed, waiting: plan.waiting, elapsedMs };
    } catch (err) {
      this.opts.metrics?.passFailed();
      this.log.error({ err }, 'ipvs sync failed');
      this.arm(this.retryMs);
      throw err;
    }
  }

  /**
   * The fast path for a few changed services: plans them against the table the last full pass
   * observed (no dump) and applies at once, so one change costs one batched request. The
   * periodic full pass stays the safety net: if the kernel drifted meanwhile, the adapter's
   * idempotent ops and the next resync repair it. It runs after the pass or update in flight,
   * on the table that one left; a full pass when none has run yet. `removed` are desired
   * services that went away.
   */
  update(changed: readonly DesiredService[], removed: readonly ServiceKey[] = []): Promise<SyncReport> {
    // The desired table changes now, so a pass that starts later (it runs after this update)
    // plans with these services too.
    const desired = this.desired ?? new Map<string, DesiredService>();
    this.desired = desired;
    for (const s of changed) desired.set(serviceId(s.key), s);
    for (const k of removed) desired.delete(serviceId(k));
    if (!this.observed) return this.sync();
    return this.exclusive(() => this.applyChanged(changed, removed));
  }

  /** {@link update} once the passes and updates before it are done: `observed` is current. */
  private async applyChanged(changed: readonly DesiredService[], removed: readonly ServiceKey[]): Promise<SyncReport> {
    const observed = this.observed;
    if (!observed) return this.pass();
    const started = this.opts.clock.now();
    const ids = [...changed.map((s) => serviceId(s.key)), ...removed.map(serviceId)];
    const touched = ids.flatMap((id) => observed.get(id) ?? []);
    const { plannable, conflicts } = partitionOwned(changed, (id) => observed.has(id), this.ledger);
    this.setConflicts(conflicts, ids);
    const plan = planTable({
      desired: plannable,
      observed: touched,
      recorded: this.ledger.services,
      draining: this.draining,
      nowMs: started,
      // The cached table's connection counts are as old as the last dump: a removed
      // destination only goes to weight 0 here, and the full pass that follows (armed below)
      // deletes it on fresh counts.
      drain: { ...this.drain, deleteWhenIdle: false },
    });
    const results = await this.applyOwned(plan.ops);
    for (const s of applyOps(touched, succeeded(results))) {
      observed.set(serviceId(s.key), s);
    }
    for (const r of results) if (r.op.op === 'deleteService' && !r.error) observed.delete(serviceId(r.op.key));
    const before = new Map(this.draining);
    // The plan covered these services whole: what it no longer drains (deleted, or desired
    // again) leaves the record.
    for (const s of touched) {
      for (const d of s.destinations) this.draining.delete(serviceDestId(s.key, d.key));
    }
    for (const [id, since] of plan.draining) this.draining.set(id, since);
    this.reportDrains(before, this.draining, results, started);
    const failed = results.filter((r) => r.error);
    this.report(results, failed);
    const elapsedMs = this.opts.clock.now() - started;
    this.opts.metrics?.synced(elapsedMs, results, this.ledger.services.size, this.draining.size, this.wallNow());
    this.log.debug(
      { ops: results.length, failed: failed.length, draining: this.draining.size, elapsedMs, services: ids.length },
      'ipvs synced',
    );
    if (failed.length > 0 || plan.draining.size > 0 || this.ledger.fault()) {
      this.arm(this.nextPassMs(failed.length > 0 || plan.draining.size > 0));
    }
    return { ran: true, results, failed, waiting: plan.waiting, elapsedMs };
  }

  /** Changes someone else made to owned services: this pass puts them back. */
  private reportDrift(drift: readonly Drift[]): void {
    for (const d of drift) {
      this.opts.metrics?.driftRepaired(d.kind);
      this.log.warn({ vs: formatServiceKey(d.service), kind: d.kind }, 'ipvs drift repaired');
    }
  }

  /** One info line when a destination starts draining and one when a drained one is deleted. */
  private reportDrains(
    before: ReadonlyMap<string, number>,
    after: ReadonlyMap<string, number>,
    results: readonly OpResult[],
    nowMs: number,
  ): void {
    for (const r of results) {
      if (r.error) continue;
      const op = r.op;
      if (op.op === 'updateDestination' && op.destination.weight === 0) {
        const id = serviceDestId(op.service, op.destination.key);
        if (after.has(id) && !before.has(id)) {
          this.log.info(
            { vs: formatServiceKey(op.service), rs: `${op.destination.key.address}:${op.destination.key.port}` },
            'destination draining',
          );
        }
      } else if (op.op === 'deleteDestination') {
        const since = before.get(serviceDestId(op.service, op.key));
        if (since === undefined) continue;
        this.log.info(
          {
            vs: formatServiceKey(op.service),
            rs: `${op.key.address}:${op.key.port}`,
            elapsedMs: Math.round(nowMs - since),
          },
          'drained destination deleted',
        );
      }
    }
  }

  private wallNow(): number {
    return (this.opts.wallNowMs ?? Date.now)();
  }

  /**
   * Applies a plan's ops with ownership kept around them: a service is claimed in the record
   * before it is created, and released once its delete succeeded.
   */
  private async applyOwned(ops: readonly Op[]): Promise<OpResult[]> {
    if (ops.length === 0) return [];
    const adds = ops.flatMap((op) => (op.op === 'addService' ? [{ ...op, exclusive: true as const }] : []));
    for (const op of adds) await this.ledger.claim(op.service.key);
    // Adds go first, alone and exclusive: a service that appeared since the table this plan
    // was made on (the fast path's cache can be a resync period old) is someone else's, and
    // neither it nor its destinations may be written.
    const added = adds.length > 0 ? await this.opts.client.apply(adds) : [];
    const taken = new Set<string>();
    for (const r of added) {
      if (r.op.op !== 'addService' || !(r.error && 'errnoName' in r.error && r.error.errnoName === 'EEXIST')) continue;
      taken.add(serviceId(r.op.service.key));
      await this.ledger.release(r.op.service.key);
      this.log.warn({ vs: formatServiceKey(r.op.service.key) }, 'ipvs service appeared meanwhile: left untouched');
    }
    const rest = ops.filter((op) => op.op !== 'addService' && !taken.has(serviceId(serviceOfOp(op))));
    const results = [...added, ...(rest.length > 0 ? await this.opts.client.apply(rest) : [])];
    for (const r of results) if (r.op.op === 'deleteService' && !r.error) await this.ledger.release(r.op.key);
    return results;
  }

  /**
   * After a full pass: entries for services that are neither desired nor in the kernel (a
   * claim whose create failed, a service someone deleted) leave the record, so the record
   * never names a service we might later find made by someone else.
   */
  private async collect(
    desired: readonly DesiredService[],
    observed: ReadonlyMap<string, ObservedService>,
  ): Promise<void> {
    const wanted = new Set(desired.map((s) => serviceId(s.key)));
    for (const [id, key] of [...this.ledger.services]) {
      if (!wanted.has(id) && !observed.has(id)) await this.ledger.release(key);
    }
  }

  /** Takes the services named by `adopt` into the record when the kernel has them. */
  private async adopt(present: ReadonlySet<string>): Promise<void> {
    for (const key of this.opts.adopt ?? []) {
      if (!present.has(serviceId(key)) || this.ledger.owns(key)) continue;
      this.log.warn({ vs: formatServiceKey(key) }, 'ipvs service adopted by request');
      await this.ledger.claim(key);
    }
  }

  /**
   * Replaces the conflicts of the services in `ids` (all when undefined) and reports what
   * changed: a warning when one appears, info when it ends, the gauge always.
   */
  private setConflicts(conflicts: readonly ServiceConflict[], ids: readonly string[] | undefined): void {
    const next = new Map(conflicts.map((c) => [serviceId(c.key), c]));
    const scope = ids ? new Set(ids) : undefined;
    for (const [id, c] of this.conflictsById) {
      if ((scope && !scope.has(id)) || next.has(id)) continue;
      this.conflictsById.delete(id);
      this.log.info({ vs: formatServiceKey(c.key) }, 'ipvs service conflict resolved');
    }
    for (const [id, c] of next) {
      const before = this.conflictsById.get(id);
      this.conflictsById.set(id, c);
      if (before?.reason === c.reason) continue;
      this.log.warn({ vs: formatServiceKey(c.key), reason: c.reason }, 'ipvs service not ours: left untouched');
    }
    this.opts.metrics?.conflicts(
      [...this.conflictsById.values()].map((c) => ({ service: formatServiceKey(c.key), reason: c.reason })),
    );
  }

  /** When to pass again: soon while ops fail or drain, with backoff while the record is faulty. */
  private nextPassMs(busy: boolean): number {
    const wait = busy ? this.retryMs : this.resyncMs;
    return this.ledger.fault() ? Math.min(wait, this.ledger.backoffMs(this.retryMs, this.resyncMs)) : wait;
  }

  /** Logs each distinct failure once, until that op succeeds again. */
  private report(results: readonly OpResult[], failed: readonly OpResult[]): void {
    for (const r of results) {
      const key = failureKey(r);
      if (!r.error) {
        this.loggedFailures.delete(key);
        continue;
      }
      if (this.loggedFailures.has(key)) continue;
      this.loggedFailures.add(key);
      const err = r.error;
      this.log.warn(
        { op: r.op.op, vs: formatServiceKey(serviceOf(r)), errno: 'errnoName' in err ? err.errnoName : err.code, err },
        'ipvs operation failed',
      );
    }
    if (failed.length === 0) this.loggedFailures.clear();
  }
}

function succeeded(results: readonly OpResult[]): Op[] {
  return results.filter((r) => !r.error).map((r) => r.op);
}

function serviceOf(r: OpResult): ServiceKey {
  return serviceOfOp(r.op);
}

function serviceOfOp(op: Op): ServiceKey {
  switch (op.op) {
    case 'addService':
    case 'updateService':
      return op.service.key;
    case 'deleteService':
      return op.key;
    default:
      return op.service;
  }
}

function failureKey(r: OpResult): string {
  const op = r.op;
  const dest =
    op.op === 'addDestination' || op.op === 'updateDestination'
      ? op.destination.key
      : op.op === 'deleteDestination'
        ? op.key
        : undefined;
  return `${op.op}|${serviceId(serviceOf(r))}|${dest ? `${dest.address}|${dest.port}` : ''}`;
}
