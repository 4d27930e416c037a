import { isDeepStrictEqual } from 'node:util';
import type { VrrpInstanceConfig } from './types.js';

/**
 * What running `wanted` instead of `running` does to the instances, by name: `stop` are the
 * running configurations that leave or change, `start` the wanted ones that are new or
 * changed; an instance whose configuration is deeply equal keeps running untouched. A changed
 * instance is in both (it stops and starts again, as keepalived does on a reload that changes
 * an instance). The speaker's `setInstances` and `lvsctl plan` use this one rule.
 */
export function instanceChanges<T extends { readonly config: VrrpInstanceConfig }>(
  running: readonly T[],
  wanted: readonly VrrpInstanceConfig[],
): { stop: T[]; start: VrrpInstanceConfig[] } {
  const byName = new Map(wanted.map((c) => [c.name, c]));
  const stop = running.filter((r) => !isDeepStrictEqual(byName.get(r.config.name), r.config));
  const kept = new Set(running.filter((r) => !stop.includes(r)).map((r) => r.config.name));
  return { stop, start: wanted.filter((c) => !kept.has(c.name)) };
}
