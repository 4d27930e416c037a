import { EventsV1Api, V1MicroTime, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { API_VERSION } from '../api/index.js';
import type { Clock } from '../core/index.js';
import { messageOf } from '../core/index.js';
import { formatRef } from '../model/index.js';
import type { LvsObjectRef } from './object-ref.js';

/** Normal for transitions, Warning for anything a human should look at. */
export type EventType = 'Normal' | 'Warning';

/** One Event to record. `reason` is PascalCase (VipAcquired, RealServerDown, InvalidSpec). */
export interface EventInput {
  readonly regarding: LvsObjectRef;
  readonly type: EventType;
  readonly reason: string;
  readonly note: string;
  /** What was done or attempted, e.g. "Reconcile", "Failover"; defaults to the reason. */
  readonly action?: string;
}

/** Port: sends one Event. */
export interface EventSink {
  create(event: EventInput, reportingInstance: string): Promise<void>;
}

const REPORTING_CONTROLLER = 'lvs.io/lvs-operator';

/** The real {@link EventSink}: events.k8s.io/v1, in the namespace of the object. */
export function createEventSink(kc: KubeConfig): EventSink {
  const api = kc.makeApiClient(EventsV1Api);
  let sequence = 0;
  return {
    async create(e, reportingInstance) {
      const { regarding } = e;
      await api.createNamespacedEvent({
        namespace: regarding.namespace,
        body: {
          // kubelet's naming: object name, a dot, a hex timestamp (generateName cannot end in a dot).
          metadata: {
            name: `${regarding.name.slice(0, 200)}.${Date.now().toString(16)}${(sequence++ % 4096).toString(16)}`,
            namespace: regarding.namespace,
          },
          eventTime: new V1MicroTime(),
          reportingController: REPORTING_CONTROLLER,
          reportingInstance,
          action: e.action ?? e.reason,
          reason: e.reason,
          note: e.note.slice(0, 1024),
          type: e.type,
          regarding: {
            apiVersion: API_VERSION,
            kind: regarding.kind,
            namespace: regarding.namespace,
            name: regarding.name,
            ...(regarding.uid ? { uid: regarding.uid } : {}),
          },
        },
      });
    },
  };
}

export interface EventRecorderOptions {
  readonly sink: EventSink;
  /** `lvs-operator-<node>` or `lvs-operator-controller`. */
  readonly reportingInstance: string;
  readonly clock: Clock;
  readonly log: Logger;
  /** The same (object, reason, note) is recorded at most once per window; default 10 min. */
  readonly dedupWindowMs?: number;
  readonly onRecord?: (reason: string, result: 'sent' | 'deduplicated' | 'error') => void;
}

/**
 * Records Events for state changes, deduplicated: a caller may report the same transition on
 * every pass and only the first within the window reaches the API server. Never throws: an
 * Event that cannot be sent is logged and counted, and the data path does not care.
 */
export class EventRecorder {
  private readonly sent = new Map<string, number>();
  private readonly windowMs: number;
  private readonly log: Logger;

  constructor(private readonly opts: EventRecorderOptions) {
    this.windowMs = opts.dedupWindowMs ?? 10 * 60_000;
    this.log = opts.log.child({ component: 'event-recorder' });
  }

  async record(event: EventInput): Promise<void> {
    const now = this.opts.clock.now();
    const key = `${formatRef(event.regarding)}|${event.regarding.uid ?? ''}|${event.type}|${event.reason}|${event.note}`;
    const last = this.sent.get(key);
    if (last !== undefined && now - last < this.windowMs) {
      this.opts.onRecord?.(event.reason, 'deduplicated');
      return;
    }
    this.sent.set(key, now);
    this.prune(now);
    try {
      await this.opts.sink.create(event, this.opts.reportingInstance);
      this.opts.onRecord?.(event.reason, 'sent');
    } catch (err) {
      this.sent.delete(key);
      this.opts.onRecord?.(event.reason, 'error');
      this.log.warn(
        { err: messageOf(err), reason: event.reason, object: formatRef(event.regarding) },
        'event not recorded',
      );
    }
  }

  private prune(now: number): void {
    if (this.sent.size < 1024) return;
    for (const [k, t] of this.sent) if (now - t >= this.windowMs) this.sent.delete(k);
  }
}
