/** An object type whose optional properties no longer admit an explicit `undefined`. */
export type WithoutUndefined<T> = { [K in keyof T]?: Exclude<T[K], undefined> };

/**
 * Drops properties whose value is `undefined`. zod's output types say `x?: T | undefined`;
 * the internal model, under `exactOptionalPropertyTypes`, says `x?: T`: this is the bridge.
 */
export function withoutUndefined<T extends object>(value: T): WithoutUndefined<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as WithoutUndefined<T>;
}
