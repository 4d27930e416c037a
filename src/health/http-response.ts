/**
 * Pure: reads an HTTP/1.x response out of the bytes received so far. keepalived's HTTP_GET
 * reads until the server closes (check_http.c, http_read_thread); we also stop as soon as a
 * Content-Length or chunked body is complete, so HTTP/1.1 servers that keep the connection
 * open are not waited on until the timeout.
 */

/** A parsed response. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Buffer;
}

/** What the bytes received so far amount to. */
export type ParseOutcome =
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'response'; readonly response: HttpResponse }
  | { readonly kind: 'invalid'; readonly detail: string };

const HEADER_END = Buffer.from('\r\n\r\n');
const STATUS_LINE = /^HTTP\/1\.[01] ([0-9]{3})(?: .*)?$/;

/** Parses `received`; `ended` is true once the peer has closed its side. */
export function parseHttpResponse(received: Buffer, ended: boolean): ParseOutcome {
  const headEnd = received.indexOf(HEADER_END);
  if (headEnd < 0)
    return ended ? { kind: 'invalid', detail: 'connection closed before the headers ended' } : INCOMPLETE;
  const lines = received.subarray(0, headEnd).toString('latin1').split('\r\n');
  const match = STATUS_LINE.exec(lines[0] ?? '');
  if (!match) return { kind: 'invalid', detail: 'not an HTTP/1.x status line' };
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const status = Number(match[1]);
  const rest = received.subarray(headEnd + HEADER_END.length);

  if (/\bchunked\b/i.test(headers.get('transfer-encoding') ?? '')) {
    const body = dechunk(rest);
    if (body === undefined) return ended ? { kind: 'invalid', detail: 'chunked body cut short' } : INCOMPLETE;
    if (body === null) return { kind: 'invalid', detail: 'bad chunk size' };
    return { kind: 'response', response: { status, headers, body } };
  }
  const lengthText = headers.get('content-length');
  if (lengthText !== undefined) {
    const length = Number(lengthText);
    if (!Number.isSafeInteger(length) || length < 0) return { kind: 'invalid', detail: 'bad Content-Length' };
    if (rest.length < length)
      return ended ? { kind: 'invalid', detail: 'body shorter than Content-Length' } : INCOMPLETE;
    return { kind: 'response', response: { status, headers, body: rest.subarray(0, length) } };
  }
  // No length: the body runs until the server closes (HTTP/1.0 style).
  return ended ? { kind: 'response', response: { status, headers, body: rest } } : INCOMPLETE;
}

const INCOMPLETE: ParseOutcome = { kind: 'incomplete' };

/** The decoded body, undefined while incomplete, null when malformed (RFC 9112 section 7.1). */
function dechunk(data: Buffer): Buffer | undefined | null {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = data.indexOf('\r\n', at);
    if (eol < 0) return undefined;
    const sizeText = data.subarray(at, eol).toString('latin1').split(';')[0]?.trim() ?? '';
    if (!/^[0-9a-fA-F]+$/.test(sizeText)) return null;
    const size = parseInt(sizeText, 16);
    if (size === 0) return Buffer.concat(parts);
    const start = eol + 2;
    if (data.length < start + size + 2) return undefined;
    parts.push(data.subarray(start, start + size));
    at = start + size + 2;
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
