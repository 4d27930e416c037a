import path from 'node:path';
import { clip } from '../core/index.js';
import { TreeBuilder, type Statement } from './block-tree.js';
import { applyConditional, parseRepetition } from './conditionals.js';
import { DiagnosticSink, type Diagnostic, type SourcePos } from './diagnostics.js';
import { stripComment, tokenizeLine } from './lexer.js';
import { parseDefinition, substitute, type ParameterValue } from './substitution.js';

/**
 * How the parser reads files: a port, so that parsing stays pure. The CLI passes the file
 * system (fs-source.ts); tests and the fuzzer pass a map of file names to text.
 */
export interface SourceReader {
  /**
   * The text of a file; undefined when it does not exist; why not when it exists but is not
   * read (not a regular file, too large, unreadable).
   */
  readFile(file: string): string | undefined | UnreadableSource;
  /** Absolute paths matching a glob pattern (absolute), sorted. */
  glob(pattern: string): readonly string[];
}

/** A file that exists but is not read, and why ("is a FIFO, not a regular file"). */
export interface UnreadableSource {
  readonly problem: string;
}

/** Options of the preprocessor. */
export interface ParseOptions {
  /** keepalived's config id (-i) for `@id` lines; unset means "unknown host". */
  readonly configId?: string | undefined;
  /** Environment for `${_ENV NAME}`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The statement tree, the diagnostics and the files read. Always returned, whatever the input. */
export interface ParseResult {
  readonly statements: Statement[];
  readonly diagnostics: Diagnostic[];
  /** Every file read, the entry file first. */
  readonly files: string[];
}

/**
 * Limits that keep hostile input (include bombs, self-expanding parameters) bounded: whatever
 * the input, a parse ends within them with a diagnostic naming the file and line where the
 * limit was reached. The benchmark's configuration (2,000 services x 20 real servers with
 * HTTP_GET checks: 11 MB, 534,000 lines, bench/keepalived) and every corpus file stay far below.
 */
export const PARSE_LIMITS = {
  includeDepth: 32,
  /** Lines after expansion: twice the benchmark's 40,000 real servers. */
  lines: 1_000_000,
  /** ~SEQ/~LST iterations in one parse, nested ones multiplied (keepalived.conf(5) shows 65,024). */
  repetitions: 65_536,
  expansionDepth: 64,
  /** Files read by `include` in one parse, counting a file each time it is included. */
  includes: 10_000,
  /** Characters read from the entry file and every include together: 10 times the benchmark. */
  includedChars: 128 * 1024 * 1024,
  /**
   * Logical lines processed after substitution and repetition, including definitions and lines
   * that expand to nothing: 8 times the benchmark's lines, so no expansion runs unbounded.
   */
  expansions: 4_000_000,
  /** Characters produced by parameter substitution in all: 64 Mi, about 5 times the benchmark. */
  substitutedChars: 64 * 1024 * 1024,
  /** Characters of the lines handed to the block tree (the output): 10 times the benchmark. */
  outputChars: 128 * 1024 * 1024,
} as const;

/** Thrown inside a parse when a limit of the whole parse is reached; never leaves it. */
class ParseLimitReached extends Error {}

const INCLUDE = /^include[rmwba]?$/;
const AT = 0x40;
const DOLLAR = 0x24;
const TILDE = 0x7e;
const GLOB_CHARS = /[*?[{]/;

interface State {
  readonly reader: SourceReader;
  readonly options: ParseOptions;
  readonly sink: DiagnosticSink;
  readonly params: Map<string, ParameterValue>;
  readonly stack: string[];
  readonly files: string[];
  readonly out: TreeBuilder;
  /** Lines produced so far, for the expansion limit. */
  lines: number;
  /** Work done so far, against PARSE_LIMITS. */
  includes: number;
  includedChars: number;
  expansions: number;
  substitutedChars: number;
  outputChars: number;
  /** ~SEQ/~LST iterations left for this parse. */
  repetitionsLeft: number;
  /** A multi-line definition being collected. */
  pending: { name: string; lines: string[] } | undefined;
  limitReported: boolean;
}

/**
 * Parses a keepalived.conf and everything it includes into a statement tree. Never throws:
 * bad input yields diagnostics (`file:line:col: message`), and what could be read is returned.
 */
export function parseKeepalived(entry: string, reader: SourceReader, options: ParseOptions = {}): ParseResult {
  const sink = new DiagnosticSink();
  const state: State = {
    reader,
    options,
    sink,
    params: new Map(),
    stack: [],
    files: [],
    out: new TreeBuilder(sink),
    lines: 0,
    includes: 0,
    includedChars: 0,
    expansions: 0,
    substitutedChars: 0,
    outputChars: 0,
    repetitionsLeft: PARSE_LIMITS.repetitions,
    pending: undefined,
    limitReported: false,
  };
  const text = reader.readFile(entry);
  const at = { file: entry, line: 1, col: 1 };
  if (text === undefined) {
    state.sink.error(at, 'KA_INCLUDE_MISSING', `cannot read ${clip(entry)}`);
  } else if (typeof text !== 'string') {
    state.sink.error(at, 'KA_INCLUDE_MISSING', `cannot read ${clip(entry)}: ${text.problem}`);
  } else {
    try {
      charge(state, at, 'includedChars', text.length, 'characters read from the configuration and its includes');
      readFileText(state, entry, text);
    } catch (err) {
      if (!(err instanceof ParseLimitReached)) throw err;
    }
  }
  const statements = state.out.finish();
  return { statements, diagnostics: state.sink.result(), files: state.files };
}

function readFileText(state: State, file: string, text: string): void {
  state.stack.push(file);
  if (!state.files.includes(file)) state.files.push(file);
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    processPhysicalLine(state, lines[i] ?? '', { file, line: i + 1, col: 1 });
  }
  flushPending(state);
  state.stack.pop();
}

type Budget = 'includes' | 'includedChars' | 'expansions' | 'substitutedChars' | 'outputChars';

/** Counts `amount` of work; past the limit, reports it once at `at` and stops the parse. */
function charge(state: State, at: SourcePos, budget: Budget, amount: number, what: string): void {
  state[budget] += amount;
  if (state[budget] <= PARSE_LIMITS[budget]) return;
  state.sink.error(
    at,
    'KA_INPUT_LIMIT',
    `more than ${PARSE_LIMITS[budget]} ${what} (PARSE_LIMITS.${budget}); reading stopped here`,
  );
  throw new ParseLimitReached();
}

function flushPending(state: State): void {
  if (state.pending) {
    state.params.set(state.pending.name, state.pending.lines);
    state.pending = undefined;
  }
}

function processPhysicalLine(state: State, raw: string, at: SourcePos): void {
  const text = stripComment(raw);
  if (state.pending) {
    const trimmed = text.trim();
    const continues = trimmed.endsWith('\\');
    const body = continues ? trimmed.slice(0, -1).trim() : trimmed;
    if (body !== '') state.pending.lines.push(body);
    if (!continues) flushPending(state);
    return;
  }
  processLine(state, text, at, 0);
}

function overLimit(state: State, at: SourcePos, what: string): boolean {
  if (state.lines < PARSE_LIMITS.lines) return false;
  if (!state.limitReported) {
    state.sink.error(at, 'KA_EXPANSION_LIMIT', `${what}: more than ${PARSE_LIMITS.lines} lines; the rest is ignored`);
    state.limitReported = true;
  }
  return true;
}

/** Conditional, definition, repetition, substitution, include, words: one logical line. */
function processLine(state: State, text: string, at: SourcePos, depth: number): void {
  charge(state, at, 'expansions', 1, 'lines after expansion, definitions and empty lines included');
  const trimmed = text.trim();
  if (trimmed === '' || overLimit(state, at, 'the configuration expands too far')) return;
  if (depth > PARSE_LIMITS.expansionDepth) {
    state.sink.error(at, 'KA_EXPANSION_LIMIT', 'parameters expand into each other too deeply; line ignored');
    return;
  }
  const lead = trimmed.charCodeAt(0);
  if (lead !== AT && lead !== DOLLAR && lead !== TILDE && !trimmed.includes('$')) {
    // The common line: no conditional, definition, repetition or parameter to look at.
    finishLine(state, trimmed, at, text.length - text.trimStart().length);
    return;
  }
  const cond = applyConditional(trimmed, state.options.configId);
  if (cond.kind === 'skipped') return;
  let line = cond.kind === 'plain' ? trimmed : cond.text;
  if (cond.kind === 'unresolved') {
    const kept = cond.negated;
    state.sink.warning(
      at,
      'KA_CONDITIONAL_UNRESOLVED',
      `line for config id "${cond.negated ? '^' : ''}${clip(cond.id)}" ${kept ? 'kept' : 'skipped'}: no config id was given (--config-id)`,
    );
    if (!kept) return;
  }
  line = line.trim();
  if (line === '') return;

  const def = parseDefinition(line);
  if (def) {
    if (def.continues) state.pending = { name: def.name, lines: def.value === '' ? [] : [def.value] };
    else state.params.set(def.name, def.value);
    return;
  }

  const rep = parseRepetition(line, PARSE_LIMITS.repetitions);
  if (rep === 'bad') {
    state.sink.error(at, 'KA_BAD_SEQUENCE', 'malformed ~SEQ or ~LST block; line ignored');
    return;
  }
  if (rep !== 'none') {
    for (const bindings of rep.iterations) {
      if (state.repetitionsLeft-- <= 0) {
        if (state.repetitionsLeft === -1) {
          state.sink.error(
            at,
            'KA_EXPANSION_LIMIT',
            `~SEQ and ~LST blocks repeat more than ${PARSE_LIMITS.repetitions} times in all; the rest is ignored`,
          );
        }
        return;
      }
      for (const [name, value] of bindings) state.params.set(name, value);
      processLine(state, rep.rest, at, depth + 1);
      if (overLimit(state, at, 'a ~SEQ or ~LST block expands too far')) return;
    }
    return;
  }

  const pwd = path.posix.dirname(state.stack.at(-1) ?? at.file);
  const sub = substitute(
    line,
    state.params,
    { pwd, instance: state.options.configId, env: state.options.env ?? {} },
    PARSE_LIMITS.substitutedChars - state.substitutedChars + 1,
  );
  charge(state, at, 'substitutedChars', sub.work, 'characters produced by parameter substitution');
  for (const note of sub.notes) state.sink.warning(at, 'KA_UNSUPPORTED_PARAMETER', note);
  if (sub.kind === 'limit') {
    state.sink.error(at, 'KA_EXPANSION_LIMIT', 'parameter substitution does not end (a definition refers to itself?)');
    return;
  }
  if (sub.kind === 'lines') {
    for (const l of sub.lines) processLine(state, l, at, depth + 1);
    return;
  }
  const expanded = sub.text;
  if (expanded !== line && (expanded.trimStart().startsWith('@') || expanded.trimStart().startsWith('$'))) {
    // `$IF_MAIN=@main` then `$IF_MAIN priority 240`: the substituted line is processed again.
    processLine(state, expanded, at, depth + 1);
    return;
  }
  // Columns count from the start of the physical line: add back what trimming removed.
  finishLine(state, expanded, at, text.length - text.trimStart().length + (trimmed.length - line.length));
}

/** Words of a final line: an include, or a line for the block tree. */
function finishLine(state: State, text: string, at: SourcePos, indent: number): void {
  const tokens = tokenizeLine(text, at, state.sink, indent);
  const head = tokens[0];
  if (head && !head.quoted && head.text.startsWith('include') && INCLUDE.test(head.text)) {
    include(
      state,
      tokens.slice(1).map((t) => t.text),
      head,
    );
    return;
  }
  charge(state, at, 'outputChars', text.length, 'characters of configuration lines after expansion');
  state.lines++;
  state.out.addLine(tokens);
}

/** `include PATTERN`: relative to the directory of the including file; globs allowed. */
function include(state: State, args: string[], at: SourcePos): void {
  const pattern = args.join(' ');
  if (pattern === '') {
    state.sink.error(at, 'KA_MISSING_VALUE', 'include needs a file name');
    return;
  }
  // Counted before anything else, so that includes refused for their depth are bounded too.
  charge(state, at, 'includes', 1, 'includes in all (a file included twice counts twice)');
  if (state.stack.length >= PARSE_LIMITS.includeDepth) {
    state.sink.error(at, 'KA_INCLUDE_DEPTH', `includes nest deeper than ${PARSE_LIMITS.includeDepth} files`);
    return;
  }
  const base = path.posix.dirname(state.stack.at(-1) ?? at.file);
  // keepalived globs with glob(3), where `**` is `*`: no walk down a whole tree (`include /**`).
  const single = pattern.replace(/\*{2,}/g, '*');
  const resolved = path.posix.normalize(path.posix.isAbsolute(single) ? single : path.posix.join(base, single));
  const isGlob = GLOB_CHARS.test(pattern);
  const matches = isGlob ? [...state.reader.glob(resolved)].sort() : [resolved];
  if (matches.length > 1) {
    charge(state, at, 'includes', matches.length - 1, 'includes in all (a file included twice counts twice)');
  }
  if (isGlob && matches.length === 0) {
    state.sink.warning(at, 'KA_INCLUDE_NO_MATCH', `no file matches include pattern ${clip(pattern)}`);
    return;
  }
  for (const file of matches) {
    if (state.stack.includes(file)) {
      const chain = [...state.stack.slice(state.stack.indexOf(file)), file].map((f) => clip(path.posix.basename(f)));
      state.sink.error(at, 'KA_INCLUDE_LOOP', `include loop: ${chain.join(' -> ')}`);
      continue;
    }
    const text = state.reader.readFile(file);
    if (text === undefined) {
      state.sink.error(at, 'KA_INCLUDE_MISSING', `included file ${clip(pattern)} does not exist or cannot be read`);
      continue;
    }
    if (typeof text !== 'string') {
      const name = clip(isGlob ? file : pattern);
      state.sink.error(at, 'KA_INCLUDE_MISSING', `included file ${name} ${text.problem}; not read`);
      continue;
    }
    charge(state, at, 'includedChars', text.length, 'characters read from the configuration and its includes');
    const saved = state.pending;
    state.pending = undefined;
    readFileText(state, file, text);
    state.pending = saved;
  }
}
