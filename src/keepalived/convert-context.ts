import { formatDurationMs, parseAddressWithPrefix, parseIP, type ParsedIP } from '../api/index.js';
import { clip } from '../core/index.js';
import type { Statement } from './block-tree.js';
import type { DiagnosticSink, SourcePos } from './diagnostics.js';
import { KEEPALIVED_KEYWORDS, NOT_CARRIED_REASONS, SUPERSEDED } from './keywords.js';
import { splitCommand, type Token } from './lexer.js';

/** A handler for one keyword inside a block. */
export type KeywordHandler = (st: Statement) => void;
/** Keyword → handler, for one kind of block. */
export type KeywordTable = Readonly<Record<string, KeywordHandler>>;

/**
 * Keyword → handler taking the reader and a context: a table built once per kind of block,
 * for blocks that occur many times (real servers, checkers), so no closures are made per block.
 */
export type ContextTable<C> = Readonly<Record<string, (r: StatementReader, st: Statement, c: C) => void>>;

const BOOL_TRUE = new Set(['on', 'true', 'yes']);

const IPV4_SHAPE = /^[0-9]{1,3}(\.[0-9]{1,3}){3}$/;
const IPV6_SHAPE = /^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*$/;

/**
 * parseIP, after a cheap look at the text: ipaddr.js validates by throwing, which costs
 * milliseconds per bad address when a generated file has thousands of them.
 */
export function parseAddress(text: string): ParsedIP | undefined {
  return IPV4_SHAPE.test(text) || IPV6_SHAPE.test(text) ? parseIP(text) : undefined;
}
const BOOL_FALSE = new Set(['off', 'false', 'no']);

/**
 * Reading values out of statements, with every problem reported at its token. Each reader
 * returns undefined after reporting, so the caller simply skips the setting.
 */
export class StatementReader {
  constructor(readonly sink: DiagnosticSink) {}

  /** Runs the handler of each statement; reports unknown and uncarried keywords. */
  dispatch(statements: readonly Statement[] | undefined, table: KeywordTable, blockName: string): void {
    for (const st of statements ?? []) {
      const handler = Object.hasOwn(table, st.keyword) ? table[st.keyword] : undefined;
      if (handler) handler(st);
      else this.uncarried(st, blockName);
    }
  }

  /** Runs the handlers of a ContextTable; reports unknown and uncarried keywords. */
  dispatchWith<C>(statements: readonly Statement[] | undefined, table: ContextTable<C>, c: C, blockName: string): void {
    for (const st of statements ?? []) {
      const handler = Object.hasOwn(table, st.keyword) ? table[st.keyword] : undefined;
      if (handler) handler(this, st, c);
      else this.uncarried(st, blockName);
    }
  }

  /** A keyword the importer does not carry: a note, a warning with the reason, or an error. */
  uncarried(st: Statement, blockName: string): void {
    const superseded = SUPERSEDED[st.keyword];
    if (superseded !== undefined) {
      this.sink.note(st, 'KA_SUPERSEDED', `${st.keyword} dropped: ${superseded}`);
    } else if (KEEPALIVED_KEYWORDS.has(st.keyword)) {
      const why = NOT_CARRIED_REASONS[st.keyword] ?? 'lvs-operator has no equivalent';
      this.sink.warning(st, 'KA_NOT_CARRIED', `${st.keyword} in ${blockName} is not carried: ${why}`);
    } else {
      this.sink.error(st, 'KA_UNKNOWN_KEYWORD', `unknown keyword "${clip(st.keyword)}" in ${blockName}`);
    }
  }

  /** Reports a statement that is known but not carried, with a specific reason. */
  notCarried(at: SourcePos, what: string, why: string): void {
    this.sink.warning(at, 'KA_NOT_CARRIED', `${what} is not carried: ${why}`);
  }

  /** The n-th value (0-based) of a statement, reported when missing. */
  arg(st: Statement, n = 0, what = 'a value'): Token | undefined {
    const t = st.args[n];
    if (t === undefined) this.sink.error(st, 'KA_MISSING_VALUE', `${st.keyword} needs ${what}`);
    return t;
  }

  /** Reports values beyond the first `max`. */
  noExtra(st: Statement, max: number): void {
    const extra = st.args[max];
    if (extra)
      this.sink.warning(
        extra,
        'KA_EXTRA_VALUE',
        `${st.keyword} takes ${max} value(s); "${extra.text}" and after are ignored`,
      );
  }

  /** Reports a block where a plain value was expected (or the opposite). */
  expectBlock(st: Statement, wanted: boolean): boolean {
    if (wanted && st.block === undefined) {
      this.sink.error(st, 'KA_BLOCK_EXPECTED', `${st.keyword} needs a { } block`);
      return false;
    }
    if (!wanted && st.block !== undefined) {
      this.sink.error(st, 'KA_UNEXPECTED_BLOCK', `${st.keyword} takes no { } block; its block is ignored`);
    }
    return true;
  }

  bad(at: SourcePos, message: string): undefined {
    this.sink.error(at, 'KA_BAD_VALUE', message);
    return undefined;
  }

  /** An integer in [min, max]. */
  int(st: Statement, min: number, max: number, n = 0): number | undefined {
    const t = this.arg(st, n, `an integer from ${min} to ${max}`);
    if (t === undefined) return undefined;
    return this.intOf(t, st.keyword, min, max);
  }

  intOf(t: Token, what: string, min: number, max: number): number | undefined {
    if (!/^-?[0-9]+$/.test(t.text)) return this.bad(t, `${what}: "${t.text}" is not an integer`);
    const v = Number(t.text);
    if (v < min || v > max) return this.bad(t, `${what}: ${v} is out of range ${min}-${max}`);
    return v;
  }

  /** A time in seconds, fractions allowed (keepalived's <TIMER>), as milliseconds. */
  seconds(st: Statement, minMs = 0, maxMs = 86_400_000, n = 0): number | undefined {
    const t = this.arg(st, n, 'a time in seconds');
    if (t === undefined) return undefined;
    if (!/^[0-9]+(\.[0-9]+)?$/.test(t.text))
      return this.bad(t, `${st.keyword}: "${t.text}" is not a number of seconds`);
    const ms = Math.round(Number(t.text) * 1_000_000) / 1000;
    if (ms < minMs || ms > maxMs) {
      return this.bad(
        t,
        `${st.keyword}: ${t.text}s is out of range ${formatDurationMs(minMs)}-${formatDurationMs(maxMs)}`,
      );
    }
    return ms;
  }

  /** A keepalived <BOOL> flag: bare means true, else on|off|true|false|yes|no. */
  flag(st: Statement): boolean | undefined {
    const t = st.args[0];
    if (t === undefined) return true;
    const v = t.text.toLowerCase();
    if (BOOL_TRUE.has(v)) return true;
    if (BOOL_FALSE.has(v)) return false;
    return this.bad(t, `${st.keyword}: "${t.text}" is not one of on, off, true, false, yes, no`);
  }

  /** An IPv4 or IPv6 address. */
  ip(t: Token | undefined, what: string): ParsedIP | undefined {
    if (t === undefined) return undefined;
    const ip = parseAddress(t.text);
    if (ip === undefined) this.sink.error(t, 'KA_BAD_ADDRESS', `${what}: "${t.text}" is not an IPv4 or IPv6 address`);
    return ip;
  }

  /** An address with an optional prefix length, in canonical text. */
  addressWithPrefix(t: Token, what: string): string | undefined {
    const slash = t.text.indexOf('/');
    const p = parseAddress(slash < 0 ? t.text : t.text.slice(0, slash)) ? parseAddressWithPrefix(t.text) : undefined;
    if (p === undefined) {
      this.sink.error(t, 'KA_BAD_ADDRESS', `${what}: "${t.text}" is not an address with an optional prefix length`);
      return undefined;
    }
    return t.text.includes('/') ? `${p.ip.text}/${p.prefixLength}` : p.ip.text;
  }

  /** A port number. */
  port(t: Token | undefined, what: string): number | undefined {
    if (t === undefined) return undefined;
    return this.intOf(t, what, 0, 65535);
  }

  /** A script value (notify_*, misc_path, quorum_up): argv; a user after it is not carried. */
  command(st: Statement): string[] | undefined {
    const t = this.arg(st, 0, 'a script');
    if (t === undefined) return undefined;
    const argv = splitCommand(t.text);
    if (argv === undefined || argv.length === 0)
      return this.bad(t, `${st.keyword}: cannot split "${t.text}" into a command`);
    const user = st.args[1];
    if (user) this.notCarried(user, `the user of ${st.keyword}`, 'scripts run as the user of the lvs-operator process');
    return argv;
  }
}

/** Milliseconds as an API duration string. */
export function duration(ms: number): string {
  return formatDurationMs(ms);
}
