/**
 * Pure: the conditions a node reports, for `GET /status`: the objects it cannot use (its
 * issues, which become Events and the controller's conditions) and the conditions it writes
 * itself into its status items (CommandsRefused), one list.
 */
import type { StatusCondition } from './document.js';
import type { NodeIssue, NodeStatusItem } from './items.js';

export function statusConditions(items: readonly NodeStatusItem[], issues: readonly NodeIssue[]): StatusCondition[] {
  const out: StatusCondition[] = issues.map((i) => ({
    object: { kind: i.ref.kind, namespace: i.ref.namespace, name: i.ref.name },
    reason: i.reason,
    message: i.message,
  }));
  for (const { ref, status } of items) {
    for (const c of 'conditions' in status ? (status.conditions ?? []) : []) {
      if (c.status !== 'True') continue;
      out.push({
        object: { kind: ref.kind, namespace: ref.namespace, name: ref.name },
        reason: c.reason,
        message: c.message,
        ...(c.lastTransitionTime ? { since: c.lastTransitionTime } : {}),
      });
    }
  }
  return out;
}
