/**
 * The realserver role as a long-lived component: single-flight passes of the reconciler over
 * the latest objects, a periodic resync that corrects drift and retries failures, start/stop.
 */
import type { Registry } from 'prom-client';
import type { VipPolicy } from '../api/index.js';
import { systemClock, type CancelTimer, type Clock } from '../core/index.js';
import type { Logger } from '../core/index.js';
import { RealserverMetrics } from './metrics.js';
import type { RealserverPorts } from './ports.js';
import { EMPTY_MODEL } from '../model/index.js';
import { RealserverReconciler, type PassReport } from './reconciler.js';
import type { DesiredInput } from './desired.js';

/** How RealserverRole is built. */
export interface RealserverRoleOptions {
  /** This node's name, matched against real servers' `node`. */
  readonly nodeName: string;
  readonly ports: RealserverPorts;
  readonly log: Logger;
  readonly registry: Registry;
  readonly clock?: Clock;
  /** Periodic full pass after the first sync; default 60 s, 0 disables it. */
  readonly resyncIntervalMs?: number;
  /** The cluster administrator's VIP ranges (`--allow-vip`, `--deny-vip`); open when absent. */
  readonly vipPolicy?: VipPolicy;
}

/**
 * Makes this node accept the VIPs of the DR and TUN VirtualServers that send to it.
 *
 * - `start()` loads what a previous run recorded; nothing is changed until the first `sync`.
 * - `sync(model)` takes the model of every validated VirtualServer and RealServer (other kinds are
 *   ignored) once the source has seen them all, and resolves with the report of a pass that
 *   saw them. Calls during a pass merge into one follow-up pass with the latest objects.
 *   `sync(EMPTY_MODEL)` removes everything the role created and restores the sysctls it changed.
 * - `stop()` ends the periodic resync and waits for a running pass. It leaves the node as it
 *   is: VIPs stay so connections survive a restart, and the next start adopts them.
 */
export class RealserverRole {
  private readonly reconciler: RealserverReconciler;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly metrics: RealserverMetrics;
  private latest: DesiredInput | undefined;
  private running: Promise<PassReport> | undefined;
  private queued: Promise<PassReport> | undefined;
  private cancelResync: CancelTimer | undefined;
  private stopped = false;
  private last: PassReport | undefined;

  constructor(private readonly opts: RealserverRoleOptions) {
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log.child({ component: 'realserver', node: opts.nodeName });
    this.metrics = new RealserverMetrics(opts.registry);
    this.reconciler = new RealserverReconciler({
      nodeName: opts.nodeName,
      ports: opts.ports,
      log: this.log,
      metrics: this.metrics,
      ...(opts.vipPolicy ? { vipPolicy: opts.vipPolicy } : {}),
      now: () => this.clock.now(),
    });
  }

  /** Loads the state record of a previous run; an abort of `signal` stops the role. */
  async start(signal?: AbortSignal): Promise<void> {
    this.stopped = false;
    // Stopping only cancels a timer and waits for the pass in flight; nothing to report.
    signal?.addEventListener('abort', () => void this.stop(), { once: true });
    await this.reconciler.load();
  }

  /** Sets the desired model and runs a pass (merged with any pass already waiting). */
  sync(model: DesiredInput): Promise<PassReport> {
    this.latest = model;
    return this.schedule();
  }

  /** The report of the last finished pass. */
  get lastReport(): PassReport | undefined {
    return this.last;
  }

  /** Stops the periodic resync and waits for the pass in flight; the node keeps its VIPs. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelResync?.();
    this.cancelResync = undefined;
    await this.queued?.catch(() => undefined);
    await this.running?.catch(() => undefined);
  }

  private schedule(): Promise<PassReport> {
    if (this.queued) return this.queued;
    if (!this.running) return this.runPass();
    const after = this.running.catch(() => undefined);
    this.queued = after.then(() => {
      this.queued = undefined;
      return this.runPass();
    });
    return this.queued;
  }

  private runPass(): Promise<PassReport> {
    const input = this.latest ?? EMPTY_MODEL;
    const p: Promise<PassReport> = this.reconciler.pass(input).then(
      (report) => {
        this.last = report;
        this.finished(p);
        return report;
      },
      (err: unknown) => {
        this.metrics.failed('pass');
        this.log.error({ err }, 'realserver pass failed; retrying at the next resync');
        this.finished(p);
        throw err;
      },
    );
    this.running = p;
    return p;
  }

  /** Called as a pass settles, before its caller resumes: the resync timer is armed by then. */
  private finished(p: Promise<PassReport>): void {
    if (this.running === p) this.running = undefined;
    this.armResync();
  }

  private armResync(): void {
    const interval = this.opts.resyncIntervalMs ?? 60_000;
    if (this.stopped || interval <= 0 || this.latest === undefined) return;
    this.cancelResync?.();
    this.cancelResync = this.clock.setTimer(interval, () => {
      this.cancelResync = undefined;
      // A periodic pass: its report lands in lastReport; errors are logged in runPass.
      void this.schedule().catch(() => undefined);
    });
  }
}
