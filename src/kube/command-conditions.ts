/**
 * Pure: the CommandsRefused condition a director reports on each object whose commands its
 * policy refused (src/director plan-commands.ts), merged into the node's status items so that
 * one object is still written by one apply. The message names every refused field and program
 * and leaves out the node, so directors with the same allowlist write the same condition; an
 * object whose refusals are gone loses the condition with the node's next apply.
 */
import { COMMAND_REFUSED, type PlanIssue } from '../director/index.js';
import type { NodeIssue } from './node-events.js';
import { refOf, type NodeStatusItem } from './node-status.js';
import type { LvsObjectRef } from './object-ref.js';

/** Condition type of an object with refused commands (reason CommandRefused). */
export const COMMANDS_REFUSED = 'CommandsRefused';

/** Conditions hold messages up to 32 KiB; a readable summary is far shorter. */
const MAX_MESSAGE = 4096;

const keyOf = (ref: LvsObjectRef) => `${ref.kind}/${ref.namespace}/${ref.name}`;

/** "path: message; path: message" per object, in plan order. */
function messagesByObject(issues: readonly PlanIssue[]): Map<string, { ref: LvsObjectRef; message: string }> {
  const out = new Map<string, { ref: LvsObjectRef; message: string }>();
  for (const i of issues) {
    if (!i.refusedCommand) continue;
    const ref = refOf(i.kind, i.ref);
    const line = `${i.path.join('.')}: ${i.message}`;
    const old = out.get(keyOf(ref));
    out.set(keyOf(ref), { ref, message: old ? `${old.message}; ${line}` : line });
  }
  for (const v of out.values()) v.message = v.message.slice(0, MAX_MESSAGE);
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
  since: (ref: LvsObjectRef) => string,
): NodeStatusItem[] {
  const refused = messagesByObject(issues);
  const out = items.map((item) => {
    const r = refused.get(keyOf(item.ref));
    if (!r) return item;
    refused.delete(keyOf(item.ref));
    return { ref: item.ref, status: { ...item.status, conditions: [conditionOf(r.message, since(item.ref))] } };
  });
  for (const r of refused.values())
    out.push({ ref: r.ref, status: { conditions: [conditionOf(r.message, since(r.ref))] } });
  return out;
}

function conditionOf(message: string, lastTransitionTime: string) {
  return { type: COMMANDS_REFUSED, status: 'True' as const, reason: COMMAND_REFUSED, message, lastTransitionTime };
}

/**
 * Node issues with one per object and reason, the messages of that object's issues joined:
 * the Events are keyed by object and reason, so no issue hides another of the same reason.
 */
export function joinNodeIssues(issues: readonly NodeIssue[]): NodeIssue[] {
  const out = new Map<string, NodeIssue>();
  for (const i of issues) {
    const key = `${keyOf(i.ref)}|${i.reason}`;
    const old = out.get(key);
    out.set(key, old ? { ...i, message: `${old.message}; ${i.message}`.slice(0, MAX_MESSAGE) } : i);
  }
  return [...out.values()];
}
