/**
 * Adapter: FILE_CHECK (keepalived/check/check_file.c with track_file.c): a file holds an
 * integer. With weight 0 any non-zero value is down (reverse: zero is down). Otherwise the
 * server stays up and value x weight (negated by reverse) is added to its weight.
 */
import { readFile } from 'node:fs/promises';
import type { Checker, CheckerDeps } from './checker.js';
import { failed } from './checker.js';
import type { CheckResult } from './types.js';

/** The verdict for the file's value (pure; exported for tests). */
export function fileVerdict(
  value: number,
  settings: { readonly weight: number; readonly reverse: boolean },
  latencyMs: number,
): CheckResult {
  if (settings.weight === 0) {
    const down = settings.reverse ? value === 0 : value !== 0;
    return down ? failed('file', `value ${value}`, latencyMs) : { ok: true, latencyMs };
  }
  const delta = value * settings.weight * (settings.reverse ? -1 : 1);
  return { ok: true, latencyMs, weight: { kind: 'add', delta }, detail: `value ${value}` };
}

/**
 * The value in the file: its first integer. track_file.c reads a missing or unparsable file
 * as 0.
 */
export function parseFileValue(text: string): number {
  const m = /^\s*([-+]?[0-9]+)/.exec(text);
  return m ? Number(m[1]) : 0;
}

/** The FILE_CHECK checker. */
export function createFileChecker(deps: CheckerDeps): Checker<'FILE'> {
  return async (probe) => {
    const started = deps.clock.now();
    const text = await readFile(probe.path, 'utf8').catch(() => '');
    return fileVerdict(parseFileValue(text), probe, deps.clock.now() - started);
  };
}
