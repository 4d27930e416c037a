/**
 * Pure: reads one SMTP reply incrementally (RFC 5321 section 4.2: "250-" lines continue,
 * "250 " ends it), keeping only the first bytes of the current line, so a server that never
 * ends its reply (an endless line, endless continuation lines, 1-byte chunks) costs no memory
 * and fails once it has sent {@link SMTP_REPLY_LIMIT} bytes.
 */
import type { StreamReader } from './stream-session.js';

/** The most bytes one reply (all its lines) may take. RFC 5321 lines are at most 512 octets. */
export const SMTP_REPLY_LIMIT = 64 * 1024;

/** A reply's code (0 when the final line has none, or the server closed first), or why it is invalid. */
export type SmtpReply =
  { readonly kind: 'reply'; readonly code: number } | { readonly kind: 'invalid'; readonly detail: string };

const LF = 0x0a;
const DASH = 0x2d;
const SPACE = 0x20;
const CR = 0x0d;

/** Reads the next complete reply of a conversation. */
export class SmtpReplyReader implements StreamReader<SmtpReply> {
  /** The first four bytes of the current line: the code and the separator. */
  private readonly lineStart: number[] = [];
  private total = 0;

  take(chunk: Buffer): { readonly value: SmtpReply; readonly used: number } | undefined {
    for (let at = 0; at < chunk.length; at++) {
      if (++this.total > SMTP_REPLY_LIMIT) {
        return { value: { kind: 'invalid', detail: `reply larger than ${SMTP_REPLY_LIMIT} bytes` }, used: at };
      }
      const byte = chunk[at] as number;
      if (byte !== LF) {
        if (this.lineStart.length < 4) this.lineStart.push(byte);
        continue;
      }
      const line = this.lineStart.splice(0);
      if (line[3] !== DASH) return { value: { kind: 'reply', code: codeOf(line) }, used: at + 1 };
    }
    return undefined;
  }

  end(): SmtpReply {
    return { kind: 'reply', code: 0 };
  }
}

/** The code of a final line "NNN" or "NNN text"; 0 otherwise. */
function codeOf(line: readonly number[]): number {
  const digits = line.slice(0, 3);
  if (digits.length < 3 || !digits.every((d) => d >= 0x30 && d <= 0x39)) return 0;
  const after = line[3];
  if (after !== undefined && after !== SPACE && after !== CR) return 0;
  return Number(String.fromCharCode(...digits));
}
