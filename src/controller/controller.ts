import { formatRef } from '../model/index.js';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { CancelTimer, Clock } from '../core/index.js';
import { messageOf } from '../core/index.js';
import {
  createEventSink,
  createInformerMetrics,
  createStatusApplier,
  EventRecorder,
  LeaderElector,
  setFinalizer,
  StatusWriter,
  type StatusApplier,
} from '../kube/index.js';
import { KubeSource, kubeClients } from '../sources/index.js';
import { createControllerMetrics, type ControllerMetrics } from './metrics.js';
import { CONTROLLER_FIELD_MANAGER, planPass, type CachedState } from './plan-pass.js';

export interface ControllerOptions {
  readonly kc: KubeConfig;
  readonly clock: Clock;
  readonly log: Logger;
  readonly registry: Registry;
  /** Unique per replica (the pod name). */
  readonly identity: string;
  /** Namespace of the Lease (the controller's own namespace). */
  readonly leaseNamespace: string;
  readonly leaseName?: string;
  /** Watch one namespace only; all when absent. */
  readonly namespace?: string;
  /** Full pass period even without changes; default 60 s. */
  readonly resyncMs?: number;
  /** At most one pass per this interval; changes in between merge; default 200 ms. */
  readonly minIntervalMs?: number;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  /** Aborting it stops the controller, as stop() does. */
  readonly signal?: AbortSignal;
}

/**
 * The `controller` role: cluster-wide checks no node can make alone. It watches every object,
 * and while it holds the Lease it writes Conflict and Invalid conditions, a group's master and
 * a service's ready count, records Events for objects that turn bad, and removes the status
 * items of nodes that no longer exist. One pass in flight; changes arriving meanwhile merge
 * into one follow-up pass; a periodic pass is the safety net.
 */
export class Controller {
  private readonly source: KubeSource;
  private readonly elector: LeaderElector;
  private readonly writer: StatusWriter;
  private readonly applier: StatusApplier;
  private readonly recorder: EventRecorder;
  private readonly metrics: ControllerMetrics;
  private readonly log: Logger;
  private readonly resyncMs: number;
  private readonly minIntervalMs: number;
  private running = false;
  private passInFlight: Promise<void> | undefined;
  private dirty = false;
  private cancelResync: CancelTimer | undefined;
  private cancelDelay: CancelTimer | undefined;

  constructor(private readonly opts: ControllerOptions) {
    this.log = opts.log.child({ component: 'controller' });
    this.resyncMs = opts.resyncMs ?? 60_000;
    this.minIntervalMs = opts.minIntervalMs ?? 200;
    this.metrics = createControllerMetrics(opts.registry);
    this.source = new KubeSource({
      clock: opts.clock,
      log: opts.log,
      clients: kubeClients(opts.kc),
      metrics: createInformerMetrics(opts.registry),
      ...(opts.namespace ? { namespace: opts.namespace } : {}),
      // The controller needs no Secret: the directors resolve them and report what is missing.
      secrets: 'none',
    });
    this.applier = createStatusApplier(opts.kc);
    this.writer = new StatusWriter({
      applier: this.applier,
      fieldManager: CONTROLLER_FIELD_MANAGER,
      log: opts.log,
      onWrite: (_ref, result) => this.metrics.statusWritten(result),
    });
    this.recorder = new EventRecorder({
      sink: createEventSink(opts.kc),
      reportingInstance: `lvs-operator-controller-${opts.identity}`.slice(0, 128),
      clock: opts.clock,
      log: opts.log,
      onRecord: (reason, result) => this.metrics.eventRecorded(reason, result),
    });
    this.elector = new LeaderElector({
      kc: opts.kc,
      namespace: opts.leaseNamespace,
      name: opts.leaseName ?? 'lvs-operator-controller',
      identity: opts.identity,
      clock: opts.clock,
      log: opts.log,
      ...(opts.leaseDurationMs === undefined ? {} : { leaseDurationMs: opts.leaseDurationMs }),
      ...(opts.renewDeadlineMs === undefined ? {} : { renewDeadlineMs: opts.renewDeadlineMs }),
      ...(opts.retryPeriodMs === undefined ? {} : { retryPeriodMs: opts.retryPeriodMs }),
      onStartedLeading: () => {
        this.metrics.leading(true);
        this.requestPass();
      },
      onStoppedLeading: () => this.metrics.leading(false),
    });
  }

  get isLeader(): boolean {
    return this.elector.isLeader;
  }

  /** For /readyz: empty once every informer has listed its collection. */
  notReadyReasons(): string[] {
    return this.source.hasSynced ? [] : ['informer caches not synced'];
  }

  start(): void {
    if (this.running || this.opts.signal?.aborted) return;
    this.running = true;
    // stop() never rejects (each step logs its own failures); nothing awaits an abort.
    this.opts.signal?.addEventListener('abort', () => void this.stop(), { once: true });
    this.source.onChange(() => this.requestPass());
    this.source.start();
    this.elector.start();
    void this.source.waitForSync().then(() => this.requestPass()); // first pass once every cache is full
    this.armResync();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.cancelResync?.();
    this.cancelDelay?.();
    this.source.stop();
    await this.passInFlight;
    await this.elector.stop();
  }

  /** Asks for a pass; merges with one already pending. */
  requestPass(): void {
    this.dirty = true;
    if (this.passInFlight || this.cancelDelay || !this.running) return;
    this.dirty = false;
    const p = this.pass();
    this.passInFlight = p;
    void p.finally(() => {
      // Runs after the pass settled; pass() never rejects, so this only schedules the next one.
      if (this.passInFlight === p) this.passInFlight = undefined;
      if (this.dirty && this.running) {
        this.cancelDelay = this.opts.clock.setTimer(this.minIntervalMs, () => {
          this.cancelDelay = undefined;
          this.requestPass();
        });
      }
    });
  }

  /** Resolves when no pass is running (for tests and shutdown). */
  async idle(): Promise<void> {
    while (this.passInFlight) await this.passInFlight;
  }

  private armResync(): void {
    this.cancelResync = this.opts.clock.setTimer(this.resyncMs, () => {
      if (!this.running) return;
      this.requestPass();
      this.armResync();
    });
  }

  /** One pass; never throws (a failure is logged, counted and retried by the next pass). */
  private async pass(): Promise<void> {
    if (!this.elector.isLeader || !this.source.hasSynced) return;
    const started = this.opts.clock.now();
    let failed = false;
    try {
      const plan = planPass({
        snapshot: this.source.snapshot(),
        cached: (kind, ns, name) => this.source.cached(kind, ns, name) as CachedState | undefined,
        nowIso: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      });
      this.metrics.conflicts(
        plan.writes.filter((w) =>
          ((w.status['conditions'] as { type: string; status: string }[] | undefined) ?? []).some(
            (c) => c.type === 'Conflict' && c.status === 'True',
          ),
        ).length,
      );
      for (const w of plan.writes) {
        try {
          await this.writer.write(w.ref, w.status);
        } catch (err) {
          failed = true;
          this.log.warn({ err: messageOf(err), object: formatRef(w.ref) }, 'status write failed');
        }
      }
      for (const s of plan.staleManagers) {
        try {
          // Applying an empty status as that manager removes every field it owned.
          await this.applier.applyStatus(s.ref, {}, s.fieldManager);
          this.log.info({ object: formatRef(s.ref), fieldManager: s.fieldManager }, 'removed status of a deleted node');
        } catch (err) {
          failed = true;
          this.log.warn({ err: messageOf(err), object: formatRef(s.ref) }, 'stale status not removed');
        }
      }
      for (const f of plan.finalizers) {
        try {
          // false: the object changed meanwhile; the informer brings the new version and a new pass.
          await setFinalizer(this.opts.kc, f.ref, f.current, f.want);
        } catch (err) {
          failed = true;
          this.log.warn({ err: messageOf(err), object: formatRef(f.ref) }, 'finalizer not updated');
        }
      }
      for (const e of plan.events) {
        await this.recorder.record({ regarding: e.ref, type: e.type, reason: e.reason, note: e.note });
      }
    } catch (err) {
      failed = true;
      this.log.error({ err }, 'controller pass failed');
    }
    const elapsedMs = this.opts.clock.now() - started;
    this.metrics.passed(elapsedMs, failed ? 'error' : 'ok');
    this.log.debug({ elapsedMs }, 'controller pass');
  }
}
