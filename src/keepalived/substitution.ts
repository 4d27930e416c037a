/**
 * Parameter definitions and substitution (keepalived.conf(5), "Parameter substitution" and
 * "Pre-defined definitions"). `$NAME=VALUE` defines; `$NAME` followed by whitespace or the end,
 * or `${NAME}`, is replaced at use time, recursively. An undefined name stays as written.
 * Multi-line values (continued with a trailing `\`) expand into several lines.
 */

/** A parameter value: one line, or several for a multi-line definition. */
export type ParameterValue = string | readonly string[];

/** A `$NAME=VALUE` line, or the first line of a multi-line definition. */
export interface Definition {
  readonly name: string;
  readonly value: string;
  /** The line ends with `\`: the following lines continue the value. */
  readonly continues: boolean;
}

const DEFINITION = /^\$([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s;

/** Recognises a definition line (leading whitespace already removed). */
export function parseDefinition(line: string): Definition | undefined {
  const m = DEFINITION.exec(line);
  if (!m) return undefined;
  const raw = (m[2] ?? '').trim();
  const continues = raw.endsWith('\\');
  return { name: m[1] ?? '', value: continues ? raw.slice(0, -1).trim() : raw, continues };
}

/** Values the parser supplies for the pre-defined names. */
export interface PredefinedContext {
  /** Directory of the file being read (`${_PWD}`). */
  readonly pwd: string;
  /** The config id (`${_INSTANCE}`), when given. */
  readonly instance: string | undefined;
  /** Environment for `${_ENV NAME}`; the importer passes it in, it never reads process.env. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** What happened to one line. */
export type SubstitutionResult = (
  | { readonly kind: 'line'; readonly text: string }
  | { readonly kind: 'lines'; readonly lines: readonly string[] }
  | { readonly kind: 'limit'; readonly text: string }
) & {
  readonly notes: readonly string[];
  /** Characters produced (every intermediate text counted), for the caller's overall budget. */
  readonly work: number;
};

/** Caps that keep a self-referencing definition ($A=${A}x) from running forever. */
export const SUBSTITUTION_LIMITS = { replacements: 1000, length: 65_536 } as const;

const REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:\s+([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)(?=\s|$)/g;

function predefined(name: string, arg: string | undefined, ctx: PredefinedContext, notes: string[]) {
  switch (name) {
    case '_PWD':
      return ctx.pwd;
    case '_INSTANCE':
      return ctx.instance;
    case '_HASH':
      return '#';
    case '_BANG':
      return '!';
    case '_ENV':
      return arg === undefined ? undefined : (ctx.env[arg.trim()] ?? '');
    case '_RANDOM': {
      // Reproducible output matters more than randomness for an importer: take the minimum.
      const min = Number.parseInt(arg?.trim().split(/\s+/)[0] ?? '0', 10);
      notes.push('${_RANDOM} replaced by its minimum so that the import is reproducible');
      return String(Number.isNaN(min) ? 0 : min);
    }
    default:
      return undefined;
  }
}

/**
 * Replaces the references in `text`. Single-line values are replaced in place and scanned
 * again (substitution is recursive). The first multi-line value splits the line: the result is
 * its lines with the text before and after the reference attached, and the caller processes
 * each line again (so definitions inside the value take effect in order). Stops with `limit`
 * once the work passes `maxWork` characters (the caller's remaining budget).
 */
export function substitute(
  text: string,
  params: ReadonlyMap<string, ParameterValue>,
  ctx: PredefinedContext,
  maxWork = Number.POSITIVE_INFINITY,
): SubstitutionResult {
  const notes: string[] = [];
  let work = 0;
  if (!text.includes('$')) return { kind: 'line', text, notes, work };
  let out = text;
  let from = 0;
  for (let n = 0; ; n++) {
    if (n >= SUBSTITUTION_LIMITS.replacements || out.length > SUBSTITUTION_LIMITS.length || work > maxWork) {
      return { kind: 'limit', text: out, notes, work };
    }
    REF.lastIndex = from;
    let m: RegExpExecArray | null;
    let replaced = false;
    while ((m = REF.exec(out)) !== null) {
      const name = m[1] ?? m[3] ?? '';
      const value = params.get(name) ?? (name.startsWith('_') ? predefined(name, m[2], ctx, notes) : undefined);
      if (value === undefined) continue;
      const before = out.slice(0, m.index);
      const after = out.slice(m.index + m[0].length);
      if (typeof value !== 'string') {
        const lines = value.map((l, i) => (i === 0 ? before : '') + l + (i === value.length - 1 ? after : ''));
        for (const l of lines) work += l.length;
        return { kind: 'lines', lines: lines.length > 0 ? lines : [before + after], notes, work };
      }
      out = before + value + after;
      work += out.length;
      from = m.index;
      replaced = true;
      break;
    }
    if (!replaced) return { kind: 'line', text: out, notes, work };
  }
}
