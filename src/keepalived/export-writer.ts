import { parseDurationMs } from '../api/index.js';
import { quoteArgument } from './lexer.js';

/** A word for keepalived.conf: bare when safe, else double-quoted with escapes. */
export function word(text: string): string {
  if (text !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(text)) return text;
  return `"${text.replace(/[\\"]/g, (m) => `\\${m}`)}"`;
}

/** A command as one keepalived script string. */
export function script(argv: readonly string[]): string {
  return word(argv.map(quoteArgument).join(' '));
}

/** A duration as keepalived seconds (fractions allowed). */
export function secs(d: string): string {
  return String((parseDurationMs(d) ?? 0) / 1000);
}

/** Lines of keepalived.conf with four-space indentation per block level. */
export class Writer {
  private readonly lines: string[] = [];
  private depth = 0;

  line(text: string): void {
    this.lines.push(`${'    '.repeat(this.depth)}${text}`);
  }

  block(head: string, body: () => void): void {
    this.line(`${head} {`);
    this.depth++;
    body();
    this.depth--;
    this.line('}');
  }

  blank(): void {
    if (this.lines.length > 0 && this.lines.at(-1) !== '') this.lines.push('');
  }

  text(): string {
    return `${this.lines.join('\n')}\n`;
  }
}
