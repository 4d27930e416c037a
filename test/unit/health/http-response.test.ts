import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  formatHttpRequest,
  HEAD_ONLY,
  HTTP_BODY_LIMIT,
  HTTP_HEAD_LIMIT,
  HttpResponseReader,
} from '../../../src/health/http-response.js';
import { judgeHttpResponse } from '../../../src/health/http-verdict.js';
import type { HttpUrl } from '../../../src/health/types.js';

const b = (s: string) => Buffer.from(s, 'latin1');

/** Feeds `received` to a reader that keeps the body; `ended`: the peer then closes. */
function parseHttpResponse(received: Buffer, ended: boolean) {
  const reader = new HttpResponseReader(() => ({ digest: false, keep: true }));
  const taken = reader.take(received);
  if (taken) return taken.value;
  return ended ? reader.end() : { kind: 'incomplete' as const };
}

describe('parseHttpResponse', () => {
  it.each([
    {
      name: 'headers incomplete',
      input: 'HTTP/1.0 200 OK\r\nServer: x\r\n',
      ended: false,
      expected: { kind: 'incomplete' },
    },
    { name: 'closed inside headers', input: 'HTTP/1.0 200 OK\r\n', ended: true, kind: 'invalid' },
    { name: 'not HTTP', input: 'SSH-2.0-OpenSSH\r\n\r\n', ended: false, kind: 'invalid' },
    {
      name: 'content-length short',
      input: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab',
      ended: false,
      expected: { kind: 'incomplete' },
    },
    {
      name: 'content-length cut',
      input: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab',
      ended: true,
      kind: 'invalid',
    },
    { name: 'until close, open', input: 'HTTP/1.0 200 OK\r\n\r\nabc', ended: false, expected: { kind: 'incomplete' } },
    {
      name: 'bad chunk',
      input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      ended: false,
      kind: 'invalid',
    },
  ])('$name', ({ input, ended, expected, kind }) => {
    const r = parseHttpResponse(b(input), ended);
    if (expected) expect(r).toEqual(expected);
    else expect(r.kind).toBe(kind);
  });

  it.each([
    {
      name: 'content-length',
      input: 'HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nabcdef',
      ended: false,
      status: 404,
      body: 'abc',
    },
    {
      name: 'until close',
      input: 'HTTP/1.0 200 OK\r\nServer: x\r\n\r\nhello',
      ended: true,
      status: 200,
      body: 'hello',
    },
    {
      name: 'chunked',
      input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\n\r\n',
      ended: false,
      status: 200,
      body: 'hello world',
    },
    {
      name: 'status line without reason',
      input: 'HTTP/1.1 204\r\nContent-Length: 0\r\n\r\n',
      ended: false,
      status: 204,
      body: '',
    },
  ])('$name', ({ input, ended, status, body }) => {
    const r = parseHttpResponse(b(input), ended);
    expect(r.kind).toBe('response');
    if (r.kind !== 'response') return;
    expect(r.response.status).toBe(status);
    expect(r.response.body?.toString('latin1')).toBe(body);
  });

  it.each([
    {
      version: '1.0' as const,
      expected: 'GET /health_check.html HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 192.0.2.10:80\r\n\r\n',
    },
    {
      version: '1.1' as const,
      expected:
        'GET /health_check.html HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: 192.0.2.10:80\r\n\r\n',
    },
  ])('formats the HTTP/$version request keepalived sends', ({ version, expected }) => {
    expect(formatHttpRequest('/health_check.html', '192.0.2.10:80', version)).toBe(expected);
  });
});

describe('judgeHttpResponse', () => {
  const body = b('<html>OK healthy</html>');
  const md5 = createHash('md5').update(body).digest('hex');
  const url = (u: Partial<HttpUrl>): HttpUrl => ({
    path: '/',
    statusCodes: [{ from: 200, to: 299 }],
    regexNoMatch: false,
    host: 'h',
    ...u,
  });
  const response = (status: number) => ({ status, headers: new Map(), body });
  it.each([
    { name: '200 in default range', url: url({}), status: 200, expected: { ok: true } },
    {
      name: '301 outside default range',
      url: url({}),
      status: 301,
      expected: { ok: false, reason: 'status', detail: 'status 301' },
    },
    {
      name: 'range list',
      url: url({
        statusCodes: [
          { from: 200, to: 200 },
          { from: 301, to: 302 },
        ],
      }),
      status: 302,
      expected: { ok: true },
    },
    { name: 'digest match', url: url({ digest: md5 }), status: 200, expected: { ok: true } },
    {
      name: 'digest mismatch',
      url: url({ digest: '0'.repeat(32) }),
      status: 200,
      expected: { ok: false, reason: 'digest', detail: `digest ${md5}` },
    },
    { name: 'regex match', url: url({ regex: 'OK h[a-z]+y' }), status: 200, expected: { ok: true } },
    {
      name: 'regex miss',
      url: url({ regex: 'FAIL' }),
      status: 200,
      expected: { ok: false, reason: 'regex', detail: 'regex did not match' },
    },
    {
      name: 'regex_no_match passes on miss',
      url: url({ regex: 'FAIL', regexNoMatch: true }),
      status: 200,
      expected: { ok: true },
    },
    {
      name: 'regex_no_match fails on match',
      url: url({ regex: 'OK', regexNoMatch: true }),
      status: 200,
      expected: { ok: false, reason: 'regex', detail: 'regex matched' },
    },
    {
      name: 'status checked before digest',
      url: url({ digest: '0'.repeat(32) }),
      status: 500,
      expected: { ok: false, reason: 'status', detail: 'status 500' },
    },
  ])('$name', ({ url: u, status, expected }) => {
    expect(judgeHttpResponse(u, response(status))).toEqual(expected);
  });
});

describe('HttpResponseReader reads incrementally', () => {
  const chunked = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\n\r\n';
  /** Feeds `text` in pieces of `size` bytes; the result and the bytes used in total. */
  function feed(reader: HttpResponseReader, text: string, size: number) {
    const bytes = b(text);
    for (let at = 0; at < bytes.length; at += size) {
      const taken = reader.take(bytes.subarray(at, at + size));
      if (taken) return { value: taken.value, used: at + taken.used };
    }
    return { value: reader.end(), used: bytes.length };
  }

  it.each([1, 2, 3, 7, 1000])('gives the same digest and body in %i-byte chunks', (size) => {
    const { value, used } = feed(new HttpResponseReader(() => ({ digest: true, keep: true })), `${chunked}extra`, size);
    expect(value).toEqual({
      kind: 'response',
      response: {
        status: 200,
        headers: new Map([['transfer-encoding', 'chunked']]),
        digest: createHash('md5').update('hello world').digest('hex'),
        body: b('hello world'),
      },
    });
    // Stops at the last chunk: what follows is not read.
    expect(used).toBeLessThanOrEqual(chunked.length - 2);
  });

  it('stops at the end of the headers when the body is not needed', () => {
    const statuses: number[] = [];
    const head = 'HTTP/1.0 503 Busy\r\nServer: x\r\n\r\n';
    const { value, used } = feed(
      new HttpResponseReader((status) => (statuses.push(status), HEAD_ONLY)),
      `${head}${'a'.repeat(100)}`,
      5,
    );
    expect(value).toEqual({ kind: 'response', response: { status: 503, headers: new Map([['server', 'x']]) } });
    expect(used).toBe(head.length);
    expect(statuses).toEqual([503]);
  });

  it.each([
    { at: HTTP_HEAD_LIMIT - 1, kind: 'response' },
    { at: HTTP_HEAD_LIMIT + 1, kind: 'invalid' },
  ])('headers ending at byte $at: $kind', ({ at, kind }) => {
    const start = 'HTTP/1.0 200 OK\r\nX: ';
    const text = `${start}${'a'.repeat(at - start.length - 4)}\r\n\r\n`;
    expect(text.length).toBe(at);
    expect(feed(new HttpResponseReader(() => HEAD_ONLY), text, 4096).value.kind).toBe(kind);
  });

  it('fails a body over the limit as it streams, before holding it', () => {
    const reader = new HttpResponseReader(() => ({ digest: true, keep: false }));
    expect(reader.take(b('HTTP/1.0 200 OK\r\n\r\n'))).toBeUndefined();
    const mib = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < HTTP_BODY_LIMIT / mib.length; i++) expect(reader.take(mib)).toBeUndefined();
    expect(reader.take(b('x'))).toEqual({
      value: { kind: 'invalid', detail: `body larger than ${HTTP_BODY_LIMIT} bytes` },
      used: 0,
    });
  });
});
