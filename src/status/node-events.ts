/**
 * Pure: the Events a node records, from two successive observations of what it runs. Events
 * are for transitions only (STYLE: "No Event is emitted per sync"): the first observation of a
 * group or a real server sets the baseline and records nothing.
 */
import { formatHostPort } from '../api/index.js';
import { refKey, type ObjectRef } from '../model/index.js';
import type { NodeIssue, NodeStatusItem } from './items.js';

/** An Event to record about one of our objects (src/kube EventRecorder records it). */
export interface NodeEvent {
  readonly regarding: ObjectRef;
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly note: string;
}

/** What a node's Events are derived from, keyed by identity; values carry their object. */
export interface NodeObservation {
  /** Per VrrpGroup this node runs: its state here, as the API spells it (Master, Backup, ...). */
  readonly groups: ReadonlyMap<string, { readonly ref: ObjectRef; readonly state: string }>;
  /** Per real server of a VirtualServer this node directs: its health here. */
  readonly realServers: ReadonlyMap<
    string,
    { readonly ref: ObjectRef; readonly server: string; readonly health: string }
  >;
  /** Per object this node cannot use. */
  readonly invalid: ReadonlyMap<string, NodeIssue>;
}

export const EMPTY_OBSERVATION: NodeObservation = { groups: new Map(), realServers: new Map(), invalid: new Map() };

/** The observation behind a set of status items and issues. */
export function observeNode(items: readonly NodeStatusItem[], issues: readonly NodeIssue[]): NodeObservation {
  const groups = new Map<string, { ref: ObjectRef; state: string }>();
  const realServers = new Map<string, { ref: ObjectRef; server: string; health: string }>();
  for (const { ref, status } of items) {
    if (ref.kind === 'VrrpGroup' && 'nodes' in status) {
      for (const n of status.nodes ?? []) groups.set(refKey(ref), { ref, state: n.state });
    }
    if (ref.kind === 'VirtualServer' && 'realServers' in status) {
      for (const rs of status.realServers ?? []) {
        const server = formatHostPort(rs.address, rs.port);
        realServers.set(`${refKey(ref)}|${server}`, { ref, server, health: rs.health });
      }
    }
  }
  const invalid = new Map(issues.map((i) => [`${refKey(i.ref)}|${i.reason}`, i]));
  return { groups, realServers, invalid };
}

/**
 * Events for what changed between `before` and `after` on `node`:
 * - VipAcquired (Normal) when a group turns Master here, VipReleased (Normal) when it stops
 *   being Master here (BACKUP, FAULT, or the group stopped on this node);
 * - RealServerDown (Warning) when a server turns Down, RealServerUp (Normal) when a Down
 *   server comes back (Unknown → Up is a first check passing, not a recovery);
 * - the issue's own reason (Warning) when an object becomes unusable here, or its message changes.
 */
export function nodeEvents(node: string, before: NodeObservation, after: NodeObservation): NodeEvent[] {
  const events: NodeEvent[] = [];
  for (const [key, { ref, state }] of after.groups) {
    const was = before.groups.get(key)?.state;
    if (was === undefined || was === state) continue;
    if (state === 'Master') {
      events.push(normal(ref, 'VipAcquired', `${node} became MASTER (was ${was}) and holds the VIPs`));
    } else if (was === 'Master') {
      events.push(normal(ref, 'VipReleased', `${node} left MASTER for ${state} and released the VIPs`));
    }
  }
  for (const [key, { ref, state }] of before.groups) {
    if (state === 'Master' && !after.groups.has(key)) {
      events.push(normal(ref, 'VipReleased', `${node} stopped the group and released the VIPs`));
    }
  }
  for (const [key, { ref, server, health }] of after.realServers) {
    const was = before.realServers.get(key)?.health;
    if (was === undefined || was === health) continue;
    if (health === 'Down') {
      events.push(warning(ref, 'RealServerDown', `real server ${server} is down (seen by ${node})`));
    } else if (health === 'Up' && was === 'Down') {
      events.push(normal(ref, 'RealServerUp', `real server ${server} is up again (seen by ${node})`));
    }
  }
  for (const [key, issue] of after.invalid) {
    if (before.invalid.get(key)?.message === issue.message) continue;
    events.push(warning(issue.ref, issue.reason, `on ${node}: ${issue.message}`));
  }
  return events;
}

const normal = (regarding: ObjectRef, reason: string, note: string): NodeEvent => ({
  regarding,
  type: 'Normal',
  reason,
  note,
});

const warning = (regarding: ObjectRef, reason: string, note: string): NodeEvent => ({
  regarding,
  type: 'Warning',
  reason,
  note,
});
