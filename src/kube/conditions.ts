/** metav1.Condition, as our status schemas define it. */
export interface Condition {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime: string;
  readonly observedGeneration?: number;
}

/** A condition to set; the transition time is filled in by {@link setCondition}. */
export type ConditionInput = Omit<Condition, 'lastTransitionTime'>;

/**
 * Sets one condition in a list, pure. `lastTransitionTime` changes only when the status
 * changes (the metav1 contract), so re-applying the same condition yields an equal list and
 * therefore no write.
 */
export function setCondition(list: readonly Condition[], next: ConditionInput, nowIso: string): Condition[] {
  const old = list.find((c) => c.type === next.type);
  const lastTransitionTime = old && old.status === next.status ? old.lastTransitionTime : nowIso;
  const merged: Condition = { ...next, lastTransitionTime };
  return old ? list.map((c) => (c.type === next.type ? merged : c)) : [...list, merged];
}

/** Removes a condition type, pure. */
export function removeCondition(list: readonly Condition[], type: string): Condition[] {
  return list.filter((c) => c.type !== type);
}
