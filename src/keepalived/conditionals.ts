/**
 * Conditional lines and sequence/list blocks (keepalived.conf(5), "Conditional configuration
 * and configuration id", "Sequence blocks", "List blocks"). Pure string work; the parser
 * decides what to do with the results.
 */

/** What an `@id` / `@^id` prefix says about a line. */
export type ConditionalResult =
  | { readonly kind: 'plain'; readonly text: string }
  | { readonly kind: 'kept'; readonly text: string; readonly id: string; readonly negated: boolean }
  | { readonly kind: 'skipped'; readonly id: string; readonly negated: boolean }
  | { readonly kind: 'unresolved'; readonly text: string; readonly id: string; readonly negated: boolean };

/**
 * Applies a leading `@id` (keep when the config id is `id`) or `@^id` (keep when it is not).
 * Without a config id keepalived compares against the host name; the importer cannot know it,
 * so the line is reported `unresolved` and the caller decides (it keeps `@^` lines and skips
 * `@` lines, with a warning).
 */
export function applyConditional(line: string, configId: string | undefined): ConditionalResult {
  const m = /^@(\^?)(\S*)\s*(.*)$/s.exec(line);
  if (!m) return { kind: 'plain', text: line };
  const negated = m[1] === '^';
  const id = m[2] ?? '';
  const text = m[3] ?? '';
  if (configId === undefined) return { kind: 'unresolved', text, id, negated };
  const matches = id === configId;
  return matches !== negated ? { kind: 'kept', text, id, negated } : { kind: 'skipped', id, negated };
}

/** One `~SEQ(...)` or `~LST(...)` at the start of a line: the bindings and the rest. */
export interface Repetition {
  /** Each iteration's variable bindings, in order. */
  readonly iterations: readonly (readonly (readonly [string, string])[])[];
  readonly rest: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Parses `~SEQ(var, [start,] [step,] end) rest` (and `~SEQx`); undefined when malformed. */
function parseSequence(hex: boolean, args: string[], rest: string, limit: number): Repetition | undefined {
  const [name, ...nums] = args;
  if (name === undefined || !NAME.test(name) || nums.length < 1 || nums.length > 3) return undefined;
  const values = nums.map((n) =>
    /^-?(0x[0-9a-fA-F]+|[0-9]+)$/.test(n) ? Number.parseInt(n, n.includes('0x') ? 16 : 10) : NaN,
  );
  if (values.some((v) => Number.isNaN(v) || Math.abs(v) > 2 ** 31)) return undefined;
  let start: number;
  let step: number;
  let end: number;
  if (values.length === 1) {
    end = values[0] ?? 0;
    start = end >= 0 ? 1 : -1;
    step = end >= start ? 1 : -1;
  } else if (values.length === 2) {
    start = values[0] ?? 0;
    end = values[1] ?? 0;
    step = end >= start ? 1 : -1;
  } else {
    start = values[0] ?? 0;
    step = values[1] ?? 0;
    end = values[2] ?? 0;
  }
  if (step === 0) return undefined;
  const iterations: (readonly [string, string])[][] = [];
  for (let v = start; step > 0 ? v <= end : v >= end; v += step) {
    if (iterations.length >= limit) break;
    iterations.push([[name, hex ? v.toString(16) : String(v)]]);
  }
  return { iterations, rest };
}

/** Splits `a, {b, c}, d` at top-level commas. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '{') depth++;
    if (ch === '}') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  parts.push(cur.trim());
  return parts;
}

const unbrace = (s: string) => (s.startsWith('{') && s.endsWith('}') ? s.slice(1, -1) : s);

/** Parses `~LST(var, v1, v2, ...)` or `~LST({a, b}, {1, 2}, ...)`. */
function parseList(args: string[], rest: string, limit: number): Repetition | undefined {
  const [head, ...vals] = args;
  if (head === undefined || vals.length === 0) return undefined;
  const names = splitTopLevel(unbrace(head));
  if (!names.every((n) => NAME.test(n))) return undefined;
  const iterations: (readonly [string, string])[][] = [];
  for (const v of vals.slice(0, limit)) {
    const values = names.length === 1 ? [unbrace(v)] : splitTopLevel(unbrace(v));
    if (values.length !== names.length) return undefined;
    iterations.push(names.map((n, i) => [n, values[i] ?? ''] as const));
  }
  return { iterations, rest };
}

/**
 * Recognises a sequence or list block at the start of a line. Returns `none` for an ordinary
 * line and `bad` for a malformed block; `limit` caps the iterations of one block.
 */
export function parseRepetition(line: string, limit: number): Repetition | 'none' | 'bad' {
  const m = /^~(SEQx?|LST)\(/.exec(line);
  if (!m) return 'none';
  let depth = 0;
  let close = -1;
  for (let i = m[0].length - 1; i < line.length; i++) {
    if (line[i] === '(') depth++;
    if (line[i] === ')' && --depth === 0) {
      close = i;
      break;
    }
  }
  if (close < 0) return 'bad';
  const args = splitTopLevel(line.slice(m[0].length, close));
  const rest = line.slice(close + 1).trim();
  const parsed = m[1] === 'LST' ? parseList(args, rest, limit) : parseSequence(m[1] === 'SEQx', args, rest, limit);
  return parsed ?? 'bad';
}
