import type { RealServerStatus, VirtualServerStatus, VrrpGroupStatus } from '../api/index.js';
import { refKey, type ObjectRef } from '../model/index.js';

/** The part of one object's status a node owns (its field manager applies exactly this). */
export interface NodeStatusItem {
  readonly ref: ObjectRef;
  readonly status: VrrpGroupStatus | VirtualServerStatus | RealServerStatus;
}

/** One object a node cannot use (a director plan issue, a realserver issue). */
export interface NodeIssue {
  readonly ref: ObjectRef;
  /** PascalCase, e.g. InvalidSpec, AcceptModeConflict. */
  readonly reason: string;
  readonly message: string;
}

/** Messages are for people; a readable summary is far shorter than the API's limits. */
export const MAX_ISSUE_MESSAGE = 4096;

/**
 * Node issues with one per object and reason, the messages of that object's issues joined:
 * the Events are keyed by object and reason, so no issue hides another of the same reason.
 */
export function joinNodeIssues(issues: readonly NodeIssue[]): NodeIssue[] {
  const out = new Map<string, NodeIssue>();
  for (const i of issues) {
    const key = `${refKey(i.ref)}|${i.reason}`;
    const old = out.get(key);
    out.set(key, old ? { ...i, message: `${old.message}; ${i.message}`.slice(0, MAX_ISSUE_MESSAGE) } : i);
  }
  return [...out.values()];
}
