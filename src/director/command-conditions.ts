/**
 * Pure: the CommandsRefused condition a director reports on each object whose commands its
 * policy refused (src/director plan-commands.ts), merged into the node's status items so that
 * one object is still written by one apply. The message names every refused field and program
 * and leaves out the node, so directors with the same allowlist write the same condition; an
 * object whose refusals are gone loses the condition with the node's next apply.
 */
import { refKey, type ObjectRef } from '../model/index.js';
import { MAX_ISSUE_MESSAGE, type NodeStatusItem } from '../status/index.js';
import { COMMAND_REFUSED } from './plan-commands.js';
import type { PlanIssue } from './plan-types.js';

/** Condition type of an object with refused commands (reason CommandRefused). */
export const COMMANDS_REFUSED = 'CommandsRefused';

/** "path: message; path: message" per object, in plan order. */
function messagesByObject(issues: readonly PlanIssue[]): Map<string, { ref: ObjectRef; message: string }> {
  const out = new Map<string, { ref: ObjectRef; message: string }>();
  for (const i of issues) {
    if (!i.refusedCommand) continue;
    const ref = i.object;
    const line = `${i.path.join('.')}: ${i.message}`;
    const old = out.get(refKey(ref));
    out.set(refKey(ref), { ref, message: old ? `${old.message}; ${line}` : line });
  }
  for (const v of out.values()) v.message = v.message.slice(0, MAX_ISSUE_MESSAGE);
  return out;
}

/**
 * The items with a CommandsRefused condition added to each object that has refused commands
 * (a new item when the node reports nothing else on it). `since` gives the condition's
 * lastTransitionTime for an object, stable while the refusal lasts.
 */
export function withCommandConditions(
  items: readonly NodeStatusItem[],
  issues: readonly PlanIssue[],
  since: (ref: ObjectRef) => string,
): NodeStatusItem[] {
  const refused = messagesByObject(issues);
  const out = items.map((item) => {
    const r = refused.get(refKey(item.ref));
    if (!r) return item;
    refused.delete(refKey(item.ref));
    return { ref: item.ref, status: { ...item.status, conditions: [conditionOf(r.message, since(item.ref))] } };
  });
  for (const r of refused.values())
    out.push({ ref: r.ref, status: { conditions: [conditionOf(r.message, since(r.ref))] } });
  return out;
}

function conditionOf(message: string, lastTransitionTime: string) {
  return { type: COMMANDS_REFUSED, status: 'True' as const, reason: COMMAND_REFUSED, message, lastTransitionTime };
}
