/**
 * Pure: reads an HTTP/1.x response incrementally, as it streams, in bounded memory.
 * keepalived's HTTP_GET reads until the server closes (check_http.c, http_read_thread),
 * hashing the body as it comes for `digest`; we also stop as soon as a Content-Length or
 * chunked body is complete, so HTTP/1.1 servers that keep the connection open are not waited
 * on until the timeout, and as soon as the headers end when the check judges only the status.
 *
 * A real server may be hostile (tenants name them), so every byte kept is bounded: the status
 * line and headers by {@link HTTP_HEAD_LIMIT}, the body read by {@link HTTP_BODY_LIMIT} (hashed
 * as it streams, never held), the body kept for a regex by {@link HTTP_REGEX_BODY_LIMIT}.
 */
import { createHash, type Hash } from 'node:crypto';
import { BoundedBytes } from './bounded-bytes.js';
import type { StreamReader } from './stream-session.js';

/** The most bytes of status line and headers read (keepalived reads into a fixed buffer too). */
export const HTTP_HEAD_LIMIT = 64 * 1024;
/** The most body bytes read for a digest or a regex; hashed as they stream. */
export const HTTP_BODY_LIMIT = 16 * 1024 * 1024;
/** The most body bytes held for a regex (matched once the body is complete). */
export const HTTP_REGEX_BODY_LIMIT = 256 * 1024;
/** The longest chunk-size line (size and extensions) of a chunked body. */
export const HTTP_CHUNK_LINE_LIMIT = 4096;

/** A parsed response: the body only in the forms the check asked for. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: ReadonlyMap<string, string>;
  /** Lower-case hex MD5 of the (de-chunked) body, when asked for. */
  readonly digest?: string;
  /** The (de-chunked) body, when asked to keep it. */
  readonly body?: Buffer;
}

/** What a check needs of the body of a response with a given status. */
export interface BodyNeeds {
  /** Hash it as it streams (MD5, genhash's digest). */
  readonly digest: boolean;
  /** Keep it, up to {@link HTTP_REGEX_BODY_LIMIT} (regex). */
  readonly keep: boolean;
}

/** Headers are enough: the reader stops once they end. */
export const HEAD_ONLY: BodyNeeds = { digest: false, keep: false };

/** What a response amounted to. */
export type ParseOutcome =
  | { readonly kind: 'response'; readonly response: HttpResponse }
  | { readonly kind: 'invalid'; readonly detail: string };

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');
const HTTP_PREFIX = Buffer.from('HTTP/');
const STATUS_LINE = /^HTTP\/1\.[01] ([0-9]{3})(?: .*)?$/;

type Taken = { readonly value: ParseOutcome; readonly used: number };
type Framing =
  | { kind: 'length'; remaining: number }
  | { kind: 'close' }
  | { kind: 'chunked'; phase: 'size' | 'data' | 'crlf'; remaining: number; line: BoundedBytes };

const invalid = (detail: string): ParseOutcome => ({ kind: 'invalid', detail });
const tooLarge = (limit: number, what = 'body') => invalid(`${what} larger than ${limit} bytes`);

/**
 * Reads one response. `bodyFor` says, once the status is known, what the check needs of the
 * body; a check that needs nothing of it is answered when the headers end.
 */
export class HttpResponseReader implements StreamReader<ParseOutcome> {
  private readonly head = new BoundedBytes(HTTP_HEAD_LIMIT, 1024);
  private statusLineSeen = false;
  private status = 0;
  private headers: ReadonlyMap<string, string> = new Map();
  private framing: Framing | undefined;
  private hash: Hash | undefined;
  private kept: BoundedBytes | undefined;
  private bodyBytes = 0;

  constructor(private readonly bodyFor: (status: number) => BodyNeeds) {}

  take(chunk: Buffer): Taken | undefined {
    if (this.framing) return this.readBody(chunk, 0);
    const before = this.head.length;
    this.head.append(chunk);
    const bytes = this.head.bytes();
    if (!this.statusLineSeen) {
      const prefix = Math.min(bytes.length, HTTP_PREFIX.length);
      if (!bytes.subarray(0, prefix).equals(HTTP_PREFIX.subarray(0, prefix)))
        return { value: invalid('not an HTTP/1.x status line'), used: chunk.length };
      const eol = bytes.indexOf(CRLF, Math.max(0, before - 1));
      if (eol >= 0) {
        const match = STATUS_LINE.exec(bytes.subarray(0, eol).toString('latin1'));
        if (!match) return { value: invalid('not an HTTP/1.x status line'), used: chunk.length };
        this.statusLineSeen = true;
        this.status = Number(match[1]);
      }
    }
    const headEnd = bytes.indexOf(HEADER_END, Math.max(0, before - 3));
    if (headEnd < 0) {
      if (this.head.length < HTTP_HEAD_LIMIT) return undefined;
      return { value: tooLarge(HTTP_HEAD_LIMIT, 'status line and headers'), used: chunk.length };
    }
    const bodyStart = headEnd + HEADER_END.length - before;
    const headers = new Map<string, string>();
    for (const line of bytes.subarray(0, headEnd).toString('latin1').split('\r\n').slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    this.headers = headers;
    const needs = this.bodyFor(this.status);
    if (!needs.digest && !needs.keep) return { value: this.response(), used: bodyStart };
    if (needs.digest) this.hash = createHash('md5');
    if (needs.keep) this.kept = new BoundedBytes(HTTP_REGEX_BODY_LIMIT);

    if (/\bchunked\b/i.test(headers.get('transfer-encoding') ?? '')) {
      const line = new BoundedBytes(HTTP_CHUNK_LINE_LIMIT, 64);
      this.framing = { kind: 'chunked', phase: 'size', remaining: 0, line };
    } else if (headers.has('content-length')) {
      const length = Number(headers.get('content-length'));
      if (!Number.isSafeInteger(length) || length < 0) return { value: invalid('bad Content-Length'), used: bodyStart };
      const over = this.overLimit(length);
      if (over) return { value: over, used: bodyStart };
      this.framing = { kind: 'length', remaining: length };
      if (length === 0) return { value: this.response(), used: bodyStart };
    } else {
      // No length: the body runs until the server closes (HTTP/1.0 style).
      this.framing = { kind: 'close' };
    }
    return this.readBody(chunk, bodyStart);
  }

  end(): ParseOutcome {
    const framing = this.framing;
    if (!framing) return invalid('connection closed before the headers ended');
    if (framing.kind === 'length') return invalid('body shorter than Content-Length');
    if (framing.kind === 'chunked') return invalid('chunked body cut short');
    return this.response();
  }

  private readBody(chunk: Buffer, from: number): Taken | undefined {
    const framing = this.framing;
    let at = from;
    while (at < chunk.length && framing) {
      if (framing.kind === 'close') {
        const over = this.body(chunk.subarray(at));
        return over ? { value: over, used: at } : undefined;
      }
      if (framing.kind === 'length' || framing.phase === 'data') {
        const n = Math.min(framing.remaining, chunk.length - at);
        const over = this.body(chunk.subarray(at, at + n));
        if (over) return { value: over, used: at };
        at += n;
        framing.remaining -= n;
        if (framing.remaining > 0) continue;
        if (framing.kind === 'length') return { value: this.response(), used: at };
        framing.phase = 'crlf';
        framing.remaining = CRLF.length;
      } else if (framing.phase === 'crlf') {
        const n = Math.min(framing.remaining, chunk.length - at);
        at += n;
        framing.remaining -= n;
        if (framing.remaining === 0) framing.phase = 'size';
      } else {
        const eol = chunk.indexOf(0x0a /* LF */, at);
        const upTo = eol < 0 ? chunk.length : eol + 1;
        const piece = chunk.subarray(at, upTo);
        at = upTo;
        if (framing.line.append(piece) < piece.length)
          return { value: tooLarge(HTTP_CHUNK_LINE_LIMIT, 'chunk-size line'), used: at };
        if (eol < 0) continue;
        const text = framing.line.bytes().toString('latin1').split(';')[0]?.trim() ?? '';
        framing.line = new BoundedBytes(HTTP_CHUNK_LINE_LIMIT, 64);
        const size = /^[0-9a-fA-F]+$/.test(text) ? parseInt(text, 16) : NaN;
        if (!Number.isSafeInteger(size)) return { value: invalid('bad chunk size'), used: at };
        // The last chunk: its trailers say nothing the check judges.
        if (size === 0) return { value: this.response(), used: at };
        const over = this.overLimit(this.bodyBytes + size);
        if (over) return { value: over, used: at };
        framing.phase = 'data';
        framing.remaining = size;
      }
    }
    return undefined;
  }

  /** Hashes and keeps body bytes; the failure when they pass a limit. */
  private body(bytes: Buffer): ParseOutcome | undefined {
    const over = this.overLimit(this.bodyBytes + bytes.length);
    if (over) return over;
    this.bodyBytes += bytes.length;
    this.hash?.update(bytes);
    this.kept?.append(bytes);
    return undefined;
  }

  /** The failure for a body of `length` bytes, if it is over a limit. */
  private overLimit(length: number): ParseOutcome | undefined {
    if (length > HTTP_BODY_LIMIT) return tooLarge(HTTP_BODY_LIMIT);
    if (this.kept && length > HTTP_REGEX_BODY_LIMIT) return tooLarge(HTTP_REGEX_BODY_LIMIT, 'body kept for a regex');
    return undefined;
  }

  private response(): ParseOutcome {
    return {
      kind: 'response',
      response: {
        status: this.status,
        headers: this.headers,
        ...(this.hash ? { digest: this.hash.digest('hex') } : {}),
        ...(this.kept ? { body: this.kept.bytes() } : {}),
      },
    };
  }
}

/**
 * The request keepalived sends (check_http.c, `request_template` in http_request): no
 * Connection header for HTTP/1.0, `Connection: close` for HTTP/1.1, then Host.
 */
export function formatHttpRequest(path: string, host: string, version: '1.0' | '1.1'): string {
  return (
    `GET ${path} HTTP/${version}\r\n` +
    'User-Agent: KeepAliveClient\r\n' +
    (version === '1.1' ? 'Connection: close\r\n' : '') +
    `Host: ${host}\r\n` +
    '\r\n'
  );
}
