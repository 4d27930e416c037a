import { SECRET_TYPE } from '../api/index.js';
import type { WallClock } from '../core/index.js';
import {
  directorStatusItems,
  directorStatusSection,
  stoppedGroupItems,
  withCommandConditions,
} from '../director/index.js';
import { refKey } from '../model/index.js';
import { joinNodeIssues, type DirectorStatusSection, type NodeIssue, type NodeStatusItem } from '../status/index.js';
import type { DirectorRuntime } from './director-runtime.js';

/** What a director reports at one moment: its status items and the objects it cannot use. */
export interface DirectorReport {
  readonly items: readonly NodeStatusItem[];
  readonly issues: readonly NodeIssue[];
}

/**
 * What a running director says about itself, the same in the cluster and standalone: its
 * status items and issues (written to the API by the cluster role, turned into Events and
 * /status conditions by both) and its part of the /status document.
 */
export class DirectorReporter {
  private readonly transitions: TransitionTimes;
  private readonly refusedSince: FirstSeen;
  private last: readonly NodeStatusItem[] = [];

  constructor(
    private readonly node: string,
    private readonly runtime: DirectorRuntime,
    private readonly wallClock: WallClock,
  ) {
    const now = () => wallClock.now().toISOString();
    this.transitions = new TransitionTimes(now);
    this.refusedSince = new FirstSeen(now);
  }

  report(): DirectorReport {
    const status = this.runtime.director.status();
    const times = this.transitions.update(status.groups);
    const issues: NodeIssue[] = status.issues.map((i) => ({
      ref: i.object,
      reason: i.reason ?? (i.transient ? 'SecretNotFound' : 'InvalidSpec'),
      message:
        i.path.length === 0
          ? i.message
          : // A transient spec issue is a Secret (or its key) not found: say which type is read.
            `${i.path.join('.')}: ${i.message}${i.transient && i.reason === undefined ? ` (only Secrets of type ${SECRET_TYPE} are read)` : ''}`,
    }));
    // Observed in the kernel, not wrong in the spec: no field path.
    const observed: NodeIssue[] = (status.observedIssues ?? []).map((i) => ({
      ref: i.object,
      reason: i.reason ?? 'InvalidSpec',
      message: i.message,
    }));
    this.last = withCommandConditions(directorStatusItems(this.node, status, times), status.issues, (ref) =>
      this.refusedSince.since(refKey(ref)),
    );
    this.refusedSince.keep(status.issues.flatMap((i) => (i.refusedCommand ? [refKey(i.object)] : [])));
    return { items: this.last, issues: joinNodeIssues([...issues, ...observed]) };
  }

  /** The group items of the last report, as a stopped director writes them. */
  stoppedItems(): NodeStatusItem[] {
    return stoppedGroupItems(this.last, this.wallClock.now().toISOString());
  }

  /** The director's part of /status: VRRP, the kernel table with rates, real server health. */
  async section(): Promise<DirectorStatusSection> {
    const table = await this.runtime.table();
    const status = this.runtime.director.status();
    return directorStatusSection({
      node: this.node,
      status,
      table,
      transitionTimes: this.transitions.update(status.groups),
      nowMs: this.runtime.clock.now(),
    });
  }
}

/** When each group last changed state on this node, as this process saw it. */
class TransitionTimes {
  private readonly seen = new Map<string, { state: string; time: string }>();

  constructor(private readonly now: () => string) {}

  update(groups: readonly { readonly ref: string; readonly state: string }[]): ReadonlyMap<string, string> {
    const out = new Map<string, string>();
    for (const g of groups) {
      const last = this.seen.get(g.ref);
      const entry = last && last.state === g.state ? last : { state: g.state, time: this.now() };
      this.seen.set(g.ref, entry);
      out.set(g.ref, entry.time);
    }
    for (const ref of this.seen.keys()) if (!out.has(ref)) this.seen.delete(ref);
    return out;
  }
}

/** When this process first saw each key (a refusal's condition time), forgotten once gone. */
class FirstSeen {
  private readonly seen = new Map<string, string>();

  constructor(private readonly now: () => string) {}

  since(key: string): string {
    const t = this.seen.get(key) ?? this.now();
    this.seen.set(key, t);
    return t;
  }

  keep(keys: readonly string[]): void {
    const live = new Set(keys);
    for (const key of this.seen.keys()) if (!live.has(key)) this.seen.delete(key);
  }
}
