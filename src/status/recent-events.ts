/**
 * The node's recent Events, for `GET /status`: a bounded ring buffer filled where a running
 * node derives its Events ({@link NodeEventLog}), next to (or, standalone, instead of) the
 * Kubernetes Event recorder. Times come from an injected wall clock.
 */
import type { WallClock } from '../core/index.js';
import type { NodeIssue, NodeStatusItem } from './items.js';
import { EMPTY_OBSERVATION, nodeEvents, observeNode, type NodeEvent, type NodeObservation } from './node-events.js';
import type { StatusEvent } from './document.js';

/** How many Events /status keeps by default. */
export const RECENT_EVENTS = 50;

export class RecentEvents {
  private readonly ring: StatusEvent[] = [];

  constructor(
    private readonly wallClock: WallClock,
    private readonly capacity = RECENT_EVENTS,
  ) {}

  record(e: NodeEvent): void {
    this.ring.push({
      time: this.wallClock.now().toISOString(),
      type: e.type,
      reason: e.reason,
      object: { kind: e.regarding.kind, namespace: e.regarding.namespace, name: e.regarding.name },
      note: e.note,
    });
    if (this.ring.length > this.capacity) this.ring.splice(0, this.ring.length - this.capacity);
  }

  /** Oldest first. */
  list(): StatusEvent[] {
    return [...this.ring];
  }
}

/**
 * Where a running node derives its Events: each observation of what it reports is compared
 * with the previous one ({@link nodeEvents}), and the Events found are kept for /status and
 * returned (a cluster node also records them in the API).
 */
export class NodeEventLog {
  private observed: NodeObservation = EMPTY_OBSERVATION;
  private readonly recent: RecentEvents;

  constructor(
    private readonly node: string,
    wallClock: WallClock,
    capacity = RECENT_EVENTS,
  ) {
    this.recent = new RecentEvents(wallClock, capacity);
  }

  /** The Events of what changed since the last call (none on the first), recorded here. */
  observe(items: readonly NodeStatusItem[], issues: readonly NodeIssue[]): NodeEvent[] {
    const now = observeNode(items, issues);
    const events = nodeEvents(this.node, this.observed, now);
    this.observed = now;
    for (const e of events) this.recent.record(e);
    return events;
  }

  /** The recorded Events, oldest first. */
  list(): StatusEvent[] {
    return this.recent.list();
  }
}
