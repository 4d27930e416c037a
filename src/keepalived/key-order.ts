/**
 * A copy of `obj` with its defined fields in the order `order` gives (fields it does not name
 * are left out), so that equal objects render as equal text and the output reads in the
 * order of the API's documentation.
 */
export function inKeyOrder<T extends object>(obj: T, order: readonly (keyof T)[]): T {
  const out: Partial<T> = {};
  for (const k of order) if (obj[k] !== undefined) out[k] = obj[k];
  return out as T;
}
