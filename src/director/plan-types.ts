import type { CommandKind } from '../net/index.js';

/**
 * A problem with one object while planning; the object is left out, the rest proceed. A
 * refused command is the exception: only the command is left out (`refusedCommand`).
 */
export interface PlanIssue {
  /** "namespace/name" of the object. */
  readonly ref: string;
  readonly kind: 'VrrpGroup' | 'VirtualServer' | 'RealServer';
  readonly path: readonly (string | number)[];
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

/** Looks up a Secret's key: standalone from the manifest folder, in a cluster from informers. */
export type SecretResolver = (namespace: string, name: string, key: string) => string | undefined;

export function isPlanIssue(value: object): value is PlanIssue {
  return 'message' in value && 'transient' in value;
}
