import type { FieldPath, ObjectRef } from '../model/index.js';
import type { CommandKind } from '../net/index.js';

/**
 * A problem with one object while planning; the object is left out, the rest proceed. A
 * refused command is the exception: only the command is left out (`refusedCommand`).
 */
export interface PlanIssue {
  readonly object: ObjectRef;
  readonly path: FieldPath;
  readonly message: string;
  /** May resolve by itself (a Secret that appears later): retried, condition Pending. */
  readonly transient: boolean;
  /** CamelCase condition reason; absent means 'InvalidSpec'. */
  readonly reason?: string;
  /**
   * Set on a command the director's policy refuses (reason CommandRefused): that command is
   * left out and the object is still planned without it.
   */
  readonly refusedCommand?: { readonly kind: CommandKind; readonly program: string };
}

/** Whether the issue keeps its object out of the plan (every issue but a refused command). */
export function excludesObject(issue: PlanIssue): boolean {
  return issue.refusedCommand === undefined;
}
