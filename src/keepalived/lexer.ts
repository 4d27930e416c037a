import type { DiagnosticSink, SourcePos } from './diagnostics.js';

/** One word of a configuration line, with where it came from. */
export interface Token extends SourcePos {
  readonly text: string;
  /** True when any part of the word was quoted: a quoted "{" is a word, not a brace. */
  readonly quoted: boolean;
}

/** True for an unquoted `{` or `}` token. */
export function isBrace(t: Token, brace: '{' | '}'): boolean {
  return !t.quoted && t.text === brace;
}

const COMMENT_OR_QUOTE = /[#!"']/;

/**
 * Cuts a `#` or `!` comment off a line. Comments may start anywhere, even after a value
 * (keepalived.conf(5), DESCRIPTION); inside quotes the characters are literal.
 */
export function stripComment(line: string): string {
  if (!COMMENT_OR_QUOTE.test(line)) return line;
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote !== '') {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '#' || c === '!') {
      return line.slice(0, i);
    }
  }
  return line;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  E: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/** Decodes the escape at text[i] (just after the backslash); returns the text and its length. */
function readEscape(text: string, i: number): { value: string; length: number } {
  const c = text[i] ?? '';
  const simple = SIMPLE_ESCAPES[c];
  if (simple !== undefined) return { value: simple, length: 1 };
  const octal = /^[0-7]{1,3}/.exec(text.slice(i, i + 3));
  if (octal) return { value: String.fromCharCode(parseInt(octal[0], 8) & 0xff), length: octal[0].length };
  if (c === 'x') {
    const hex = /^[0-9a-fA-F]{1,2}/.exec(text.slice(i + 1, i + 3));
    if (hex) return { value: String.fromCharCode(parseInt(hex[0], 16)), length: 1 + hex[0].length };
  }
  if (c === 'c' && i + 1 < text.length) {
    return { value: String.fromCharCode((text.charCodeAt(i + 1) & 0x1f) >>> 0), length: 2 };
  }
  return { value: c, length: c === '' ? 0 : 1 };
}

const OPEN = 0x7b;
const CLOSE = 0x7d;
const BACKSLASH = 0x5c;
const DQUOTE = 0x22;
const SQUOTE = 0x27;

/** JavaScript's \\s: ASCII whitespace by code, the rest (no-break space, U+2028...) by the regex. */
function isSpace(code: number): boolean {
  if (code === 32 || (code >= 9 && code <= 13)) return true;
  return code > 127 && /\s/.test(String.fromCharCode(code));
}

/**
 * Splits one (already comment-stripped, substituted) line into words. Whitespace separates
 * words; `{` and `}` are words of their own; `"` and `'` quote, keeping the whitespace inside and
 * dropping the quote characters (`abcd" efg "h` is one word), with shell-like escapes inside
 * quotes (keepalived.conf(5), "Quoted strings").
 */
export function tokenizeLine(
  text: string,
  at: { file: string; line: number },
  sink: DiagnosticSink,
  colOffset = 0,
): Token[] {
  const tokens: Token[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const code = text.charCodeAt(i);
    if (isSpace(code)) {
      i++;
      continue;
    }
    const col = colOffset + i + 1;
    if (code === OPEN || code === CLOSE) {
      tokens.push({ text: code === OPEN ? '{' : '}', quoted: false, file: at.file, line: at.line, col });
      i++;
      continue;
    }
    // Unquoted runs are sliced, not built a character at a time: large files stay cheap.
    let word = '';
    let quoted = false;
    let quote = 0;
    let runStart = i;
    while (i < n) {
      const ch = text.charCodeAt(i);
      if (quote !== 0) {
        if (ch === quote) {
          word += text.slice(runStart, i);
          quote = 0;
          i++;
          runStart = i;
        } else if (ch === BACKSLASH) {
          const esc = readEscape(text, i + 1);
          word += text.slice(runStart, i) + esc.value;
          i += 1 + esc.length;
          runStart = i;
        } else i++;
        continue;
      }
      if (ch === DQUOTE || ch === SQUOTE) {
        word += text.slice(runStart, i);
        quote = ch;
        quoted = true;
        i++;
        runStart = i;
        continue;
      }
      if (isSpace(ch) || ch === OPEN || ch === CLOSE) break;
      i++;
    }
    word += text.slice(runStart, i);
    if (quote !== 0) {
      sink.error(
        { file: at.file, line: at.line, col },
        'KA_UNTERMINATED_QUOTE',
        `unterminated ${quote === DQUOTE ? 'double' : 'single'} quote: the word runs to the end of the line`,
      );
    }
    tokens.push({ text: word, quoted, file: at.file, line: at.line, col });
  }
  return tokens;
}

/**
 * Splits a script string into program and arguments as keepalived does for notify and
 * misc_path scripts: unquoted whitespace separates, quotes keep spaces (keepalived.conf(5),
 * "Quoted strings"). Returns undefined for an unterminated quote.
 */
export function splitCommand(script: string): string[] | undefined {
  const argv: string[] = [];
  let word = '';
  let inWord = false;
  let quote = '';
  for (let i = 0; i < script.length; i++) {
    const ch = script[i] ?? '';
    if (quote !== '') {
      if (ch === quote) quote = '';
      else if (ch === '\\' && i + 1 < script.length) {
        const esc = readEscape(script, i + 1);
        word += esc.value;
        i += esc.length;
      } else word += ch;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) argv.push(word);
      word = '';
      inWord = false;
    } else if (ch === '\\' && i + 1 < script.length) {
      word += script[i + 1] ?? '';
      inWord = true;
      i++;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote !== '') return undefined;
  if (inWord) argv.push(word);
  return argv;
}

/** Quotes one argument for a keepalived script string, so that splitCommand gives it back. */
export function quoteArgument(arg: string): string {
  if (arg !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/[\\']/g, (m) => `\\${m}`)}'`;
}
