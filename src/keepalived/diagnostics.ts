/**
 * Diagnostics of the keepalived importer: values, never exceptions. Every one carries the
 * file, line and column it is about, a stable code (tests match on it) and a sentence that
 * says what happened and why.
 */
import { clip } from '../core/index.js';

/** `error`: the input cannot be carried as written. `warning`: something is not carried.
 * `note`: a setting whose job the project does another way; nothing is lost. */
export type Severity = 'error' | 'warning' | 'note';

/** A place in a source file; line and column are 1-based. */
export interface SourcePos {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/** Every diagnostic code; tests and tools match on these, never on message text. */
export const DIAGNOSTIC_CODES = [
  // Text and structure.
  'KA_UNTERMINATED_QUOTE',
  'KA_UNCLOSED_BLOCK',
  'KA_UNEXPECTED_CLOSE',
  'KA_UNEXPECTED_OPEN',
  'KA_INCLUDE_MISSING',
  'KA_INCLUDE_NO_MATCH',
  'KA_INCLUDE_LOOP',
  'KA_INCLUDE_DEPTH',
  'KA_CONDITIONAL_UNRESOLVED',
  'KA_EXPANSION_LIMIT',
  'KA_INPUT_LIMIT',
  'KA_BAD_SEQUENCE',
  'KA_UNSUPPORTED_PARAMETER',
  // Meaning.
  'KA_UNKNOWN_KEYWORD',
  'KA_NOT_CARRIED',
  'KA_SUPERSEDED',
  'KA_MISSING_VALUE',
  'KA_EXTRA_VALUE',
  'KA_BAD_VALUE',
  'KA_BAD_ADDRESS',
  'KA_BLOCK_EXPECTED',
  'KA_UNEXPECTED_BLOCK',
  'KA_UNDEFINED_REFERENCE',
  'KA_DUPLICATE',
  'KA_INVALID_OBJECT',
  // ipvsadm rules.
  'KA_IPVSADM_SYNTAX',
] as const;
/** One of DIAGNOSTIC_CODES. */
export type DiagnosticCode = (typeof DIAGNOSTIC_CODES)[number];

/** One problem, at a place in a source file. */
export interface Diagnostic extends SourcePos {
  readonly severity: Severity;
  readonly code: DiagnosticCode;
  readonly message: string;
}

/** `file:line:col: severity: message [CODE]`, the form compilers use. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col}: ${d.severity}: ${d.message} [${d.code}]`;
}

/** True when a diagnostic makes the import fail: an error, or a warning under --strict. */
export function isFailure(d: Diagnostic, strict: boolean): boolean {
  return d.severity === 'error' || (strict && d.severity === 'warning');
}

/** Diagnostics in source order (file, line, column), stable for equal positions. */
export function sortDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  return ds
    .map((d, i) => ({ d, i }))
    .sort(
      (a, b) =>
        (a.d.file < b.d.file ? -1 : a.d.file > b.d.file ? 1 : 0) ||
        a.d.line - b.d.line ||
        a.d.col - b.d.col ||
        a.i - b.i,
    )
    .map((x) => x.d);
}

/** Longest diagnostic message kept; longer ones are cut (they echo a hostile value). */
export const MAX_MESSAGE_LENGTH = 1000;

/** At most this many diagnostics of one code are kept; the rest are counted. */
export const MAX_DIAGNOSTICS_PER_CODE = 1000;

/**
 * Collects diagnostics; one sink is threaded through a parse or a conversion. A generated file
 * can repeat one mistake a million times: past MAX_DIAGNOSTICS_PER_CODE of a code, the sink
 * only counts, and `result()` ends with one diagnostic saying how many were left out.
 */
export class DiagnosticSink {
  private readonly items: Diagnostic[] = [];
  private readonly counts = new Map<DiagnosticCode, number>();
  private readonly omitted = new Map<DiagnosticCode, { first: Diagnostic; count: number }>();
  /** Identical diagnostics (a ~SEQ block repeating one bad line) are kept once. */
  private readonly seen = new Set<string>();

  error(at: SourcePos, code: DiagnosticCode, message: string): void {
    this.add('error', at, code, message);
  }

  warning(at: SourcePos, code: DiagnosticCode, message: string): void {
    this.add('warning', at, code, message);
  }

  note(at: SourcePos, code: DiagnosticCode, message: string): void {
    this.add('note', at, code, message);
  }

  /** The diagnostics kept, then one per code that had some left out. */
  result(): Diagnostic[] {
    const summaries = [...this.omitted].map(([code, { first, count }]) => ({
      ...first,
      message: `${count} more ${code} diagnostics like the ones above were left out`,
    }));
    return [...this.items, ...summaries];
  }

  private add(severity: Severity, at: SourcePos, code: DiagnosticCode, text: string): void {
    // A safety net under the per-value clip: no message, whatever it echoes, runs to megabytes.
    const message = clip(text, MAX_MESSAGE_LENGTH);
    const d: Diagnostic = { severity, code, message, file: at.file, line: at.line, col: at.col };
    const key = `${at.file}\0${at.line}\0${at.col}\0${code}\0${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const n = (this.counts.get(code) ?? 0) + 1;
    this.counts.set(code, n);
    if (n <= MAX_DIAGNOSTICS_PER_CODE) {
      this.items.push(d);
      return;
    }
    const o = this.omitted.get(code);
    if (o) o.count++;
    else this.omitted.set(code, { first: d, count: 1 });
  }
}
