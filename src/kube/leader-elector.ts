import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { CancelTimer, Clock } from '../core/index.js';
import { messageOf } from '../core/index.js';
import { decideLease, sameRecord, type LeaseObservation, type LeaseRecord } from './lease-decision.js';
import { statusCodeOf } from './status-writer.js';

export interface LeaderElectorOptions {
  readonly kc: KubeConfig;
  readonly namespace: string;
  readonly name: string;
  /** Unique per process: pod name, or node name plus a random suffix. */
  readonly identity: string;
  readonly clock: Clock;
  readonly log: Logger;
  /** client-go's defaults: 15 s, 10 s and 2 s. */
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  readonly onStartedLeading: () => void;
  readonly onStoppedLeading: () => void;
  /** Aborting it stops the elector (and releases the lease), as stop() does. */
  readonly signal?: AbortSignal;
}

/**
 * Lease-based leader election (coordination.k8s.io/v1), as client-go's leaderelection does it:
 * try every retry period; a leader that cannot renew within the renew deadline steps down
 * before its lease can expire elsewhere; writes carry the resourceVersion they were based on,
 * so two candidates never both win. `stop()` releases the lease so a successor takes over at
 * once.
 */
export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly log: Logger;
  private observed: LeaseObservation | undefined;
  private leading = false;
  private lastRenewMs = 0;
  private running = false;
  private cancelTimer: CancelTimer | undefined;
  private inFlight: Promise<void> | undefined;

  constructor(private readonly opts: LeaderElectorOptions) {
    this.api = opts.kc.makeApiClient(CoordinationV1Api);
    this.leaseDurationMs = opts.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = opts.retryPeriodMs ?? 2_000;
    this.log = opts.log.child({ component: 'leader-election', lease: `${opts.namespace}/${opts.name}` });
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    if (this.running || this.opts.signal?.aborted) return;
    this.running = true;
    // stop() logs its own failures; nothing awaits an abort.
    this.opts.signal?.addEventListener('abort', () => void this.stop(), { once: true });
    this.tick();
  }

  /** Stops trying and, when leading, releases the lease. */
  async stop(): Promise<void> {
    this.running = false;
    this.cancelTimer?.();
    await this.inFlight;
    if (this.leading) {
      await this.release();
      this.stepDown('stopped');
    }
  }

  private tick(): void {
    if (!this.running) return;
    this.inFlight = this.attempt()
      .catch((err: unknown) => this.log.warn({ err: messageOf(err) }, 'lease attempt failed'))
      .finally(() => {
        this.inFlight = undefined;
        if (this.leading && this.opts.clock.now() - this.lastRenewMs > this.renewDeadlineMs) {
          this.stepDown('renew deadline passed');
        }
        if (this.running) this.cancelTimer = this.opts.clock.setTimer(this.retryPeriodMs, () => this.tick());
      });
  }

  private async attempt(): Promise<void> {
    const now = this.opts.clock.now();
    let lease: V1Lease | undefined;
    try {
      lease = await this.api.readNamespacedLease({ name: this.opts.name, namespace: this.opts.namespace });
    } catch (err) {
      if (statusCodeOf(err) !== 404) throw err;
    }
    const record = lease ? recordOf(lease) : undefined;
    if (record && (!this.observed || !sameRecord(this.observed.record, record))) {
      this.observed = { record, observedAtMs: now };
    }
    const action = decideLease(this.opts.identity, record, this.observed, now);
    if (action === 'wait') {
      if (this.leading) this.stepDown('another holder');
      return;
    }
    const transitions = (record?.transitions ?? 0) + (action === 'acquire' ? 1 : 0);
    const spec = {
      holderIdentity: this.opts.identity,
      leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
      renewTime: new V1MicroTime(),
      acquireTime: microTime(action === 'renew' ? lease?.spec?.acquireTime : undefined),
      leaseTransitions: transitions,
    };
    try {
      if (action === 'create') {
        await this.api.createNamespacedLease({
          namespace: this.opts.namespace,
          body: { metadata: { name: this.opts.name, namespace: this.opts.namespace }, spec },
        });
      } else {
        await this.api.replaceNamespacedLease({
          name: this.opts.name,
          namespace: this.opts.namespace,
          body: { metadata: this.metadataOf(lease), spec },
        });
      }
    } catch (err) {
      // 409: someone else wrote first; the next read shows who.
      if (statusCodeOf(err) === 409) return;
      throw err;
    }
    this.lastRenewMs = now;
    if (!this.leading) {
      this.leading = true;
      this.log.info({ identity: this.opts.identity, transitions }, 'became leader');
      this.opts.onStartedLeading();
    }
  }

  private async release(): Promise<void> {
    try {
      const lease = await this.api.readNamespacedLease({ name: this.opts.name, namespace: this.opts.namespace });
      if (lease.spec?.holderIdentity !== this.opts.identity) return;
      await this.api.replaceNamespacedLease({
        name: this.opts.name,
        namespace: this.opts.namespace,
        body: {
          metadata: this.metadataOf(lease),
          spec: {
            holderIdentity: '',
            leaseDurationSeconds: 1,
            renewTime: microTime(lease.spec.renewTime),
            acquireTime: microTime(lease.spec.acquireTime),
            leaseTransitions: lease.spec.leaseTransitions ?? 0,
          },
        },
      });
    } catch (err) {
      this.log.warn({ err: messageOf(err) }, 'lease not released');
    }
  }

  /** Name, namespace and the resourceVersion the write is based on (optimistic concurrency). */
  private metadataOf(lease: V1Lease | undefined) {
    const rv = lease?.metadata?.resourceVersion;
    return { name: this.opts.name, namespace: this.opts.namespace, ...(rv ? { resourceVersion: rv } : {}) };
  }

  private stepDown(why: string): void {
    if (!this.leading) return;
    this.leading = false;
    this.log.warn({ why }, 'stopped leading');
    this.opts.onStoppedLeading();
  }
}

/**
 * A MicroTime (six fractional digits on the wire) from a read value or now. A read value may
 * arrive as a Date or as the raw string, depending on how the library deserialised it.
 */
function microTime(value: Date | string | undefined): V1MicroTime {
  if (value === undefined) return new V1MicroTime();
  return new V1MicroTime(typeof value === 'string' ? Date.parse(value) : value.getTime());
}

function recordOf(lease: V1Lease): LeaseRecord {
  const renew = lease.spec?.renewTime;
  return {
    holder: lease.spec?.holderIdentity ?? '',
    leaseDurationMs: (lease.spec?.leaseDurationSeconds ?? 15) * 1000,
    renewTime: renew instanceof Date ? renew.toISOString() : String(renew ?? ''),
    transitions: lease.spec?.leaseTransitions ?? 0,
  };
}
