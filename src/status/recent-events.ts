/**
 * The node's recent Events, for `GET /status`: a bounded ring buffer that the one place that
 * derives a node's Events (src/status node-events.ts, called by the role runners) writes into,
 * next to (or, standalone, instead of) the Kubernetes Event recorder. Times come from an
 * injected wall clock.
 */
import type { WallClock } from '../core/index.js';
import type { NodeEvent } from './node-events.js';
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
