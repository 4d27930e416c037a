/** A problem with one object while planning; the object is left out, the rest proceed. */
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
}

/** Looks up a Secret's key: standalone from the manifest folder, in a cluster from informers. */
export type SecretResolver = (namespace: string, name: string, key: string) => string | undefined;

export function isPlanIssue(value: object): value is PlanIssue {
  return 'message' in value && 'transient' in value;
}
