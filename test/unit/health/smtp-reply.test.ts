import { describe, expect, it } from 'vitest';
import { SMTP_REPLY_LIMIT, SmtpReplyReader } from '../../../src/health/smtp-reply.js';

/** Feeds `text` in pieces of `size` bytes; the reply and the bytes it used. */
function read(text: string, size = text.length) {
  const reader = new SmtpReplyReader();
  const bytes = Buffer.from(text, 'latin1');
  for (let at = 0; at < bytes.length; at += size) {
    const taken = reader.take(bytes.subarray(at, at + size));
    if (taken) return { value: taken.value, used: at + taken.used };
  }
  return { value: reader.end(), used: bytes.length };
}

describe('SmtpReplyReader', () => {
  it.each([
    { name: 'one line', text: '220 ready\r\n', code: 220, used: 11 },
    { name: 'code only', text: '250\r\n', code: 250, used: 5 },
    { name: 'continued lines', text: '250-a\r\n250-b\r\n250 c\r\n', code: 250, used: 21 },
    { name: 'the next reply is left unread', text: '220 hi\r\n250 ok\r\n', code: 220, used: 8 },
    { name: 'no code', text: 'hello\r\n', code: 0, used: 7 },
    { name: 'closed mid-reply', text: '220-still', code: 0, used: 9 },
  ])('$name, in any chunking', ({ text, code, used }) => {
    for (const size of [1, 2, 5, text.length]) {
      expect(read(text, size)).toEqual({ value: { kind: 'reply', code }, used });
    }
  });

  it(`fails a reply past ${SMTP_REPLY_LIMIT} bytes without holding it`, () => {
    const text = `220-${'x'.repeat(SMTP_REPLY_LIMIT)}`;
    expect(read(text, 4096)).toEqual({
      value: { kind: 'invalid', detail: `reply larger than ${SMTP_REPLY_LIMIT} bytes` },
      used: SMTP_REPLY_LIMIT,
    });
  });
});
