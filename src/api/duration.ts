/**
 * Durations in the API are Go/Kubernetes-style strings ("1s", "100ms", "1m30s"), so CEL's
 * `duration()` can read them too. Inside the program, time is always milliseconds.
 */
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Accepts what CEL's duration() accepts for these units, e.g. "1.5s", "1m30s", "0s". */
export const DURATION_PATTERN = '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$';
const DURATION_RE = new RegExp(DURATION_PATTERN);
const PART_RE = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g;

/** Milliseconds in a duration string, or undefined when it is not one. */
export function parseDurationMs(text: string): number | undefined {
  if (!DURATION_RE.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(PART_RE)) {
    total += Number(m[1]) * (UNIT_MS[m[2] ?? 's'] ?? 1);
  }
  return Math.round(total * 1000) / 1000;
}

/** The shortest duration string for a number of milliseconds ("1s", "100ms", "1.5s", "2m"). */
export function formatDurationMs(ms: number): string {
  if (ms === 0) return '0s';
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000 || ms % 1 !== 0) return `${Number((ms / 1000).toFixed(3))}s`;
  return `${ms}ms`;
}
