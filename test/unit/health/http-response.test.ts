import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { formatHttpRequest, HttpResponseReader } from '../../../src/health/http-response.js';
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
