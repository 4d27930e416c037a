import { describe, expect, it } from 'vitest';
import { HealthCheckSchema, type HealthCheckInput } from '../../../src/api/index.js';
import { keyOf } from '../../../src/health/probes.js';
import type { HealthProbe } from '../../../src/health/types.js';
import { normaliseCheck, type CheckedServer } from '../../../src/model/index.js';
import { ip } from '../../support/address.js';

const rs = { address: '192.0.2.10', port: 80 };

/** The checked server, its address parsed as the model hands it over. */
const toServer = (s: { address: string; port: number }): CheckedServer => ({ address: ip(s.address), port: s.port });

function probe(input: HealthCheckInput, server = rs): HealthProbe {
  const r = normaliseCheck(HealthCheckSchema.parse(input), toServer(server));
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.probe;
}

// keepalived's defaults per checker (check_api.c, check_http.c, check_dns.c, check_misc.c ...):
// delay_loop 60 s, connect_timeout 5 s, warmup = delay_loop, retry 1 (DNS 3, MISC 0),
// delay_before_retry 3 s for HTTP_GET/SSL_GET and 1 s otherwise.
describe('normaliseCheck defaults', () => {
  it.each([
    { type: 'HTTP', extra: { http: { urls: [{ path: '/' }] } }, retry: 1, delayBeforeRetryMs: 3000 },
    { type: 'HTTPS', extra: { http: { urls: [{ path: '/' }] } }, retry: 1, delayBeforeRetryMs: 3000 },
    { type: 'TCP', extra: {}, retry: 1, delayBeforeRetryMs: 1000 },
    { type: 'SMTP', extra: {}, retry: 1, delayBeforeRetryMs: 1000 },
    { type: 'DNS', extra: {}, retry: 3, delayBeforeRetryMs: 1000 },
    { type: 'UDP', extra: {}, retry: 1, delayBeforeRetryMs: 1000 },
    { type: 'PING', extra: {}, retry: 1, delayBeforeRetryMs: 1000 },
    { type: 'MISC', extra: { misc: { command: ['/bin/true'] } }, retry: 0, delayBeforeRetryMs: 1000 },
    { type: 'FILE', extra: { file: { path: '/run/w' } }, retry: 1, delayBeforeRetryMs: 1000 },
  ] as const)('$type', ({ type, extra, retry, delayBeforeRetryMs }) => {
    const p = probe({ type, ...extra } as HealthCheckInput);
    expect(p).toMatchObject({ intervalMs: 60_000, timeoutMs: 5000, warmupMs: 60_000, retry, delayBeforeRetryMs });
  });

  it('HTTP: status 200-299, Host ip:port, HTTP/1.0', () => {
    const p = probe({ type: 'HTTP', http: { urls: [{ path: '/health_check.html' }] } });
    expect(p).toEqual({
      type: 'HTTP',
      intervalMs: 60_000,
      timeoutMs: 5000,
      retry: 1,
      delayBeforeRetryMs: 3000,
      warmupMs: 60_000,
      target: { ip: '192.0.2.10', family: 4, port: 80 },
      http: {
        httpVersion: '1.0',
        urls: [
          {
            path: '/health_check.html',
            statusCodes: [{ from: 200, to: 299 }],
            regexNoMatch: false,
            host: '192.0.2.10:80',
          },
        ],
      },
    });
  });

  it('HTTP: ranges, lower-case digest, per-url virtualhost over the check one', () => {
    const p = probe({
      type: 'HTTP',
      http: {
        virtualhost: 'www.example.com',
        urls: [
          { path: '/a', statusCodes: ['200', '301-302'], digest: 'ABCDEF0123456789ABCDEF0123456789' },
          { path: '/b', virtualhost: 'b.example.com' },
        ],
      },
    });
    if (p.type !== 'HTTP') throw new Error('type');
    expect(p.http.urls[0]).toMatchObject({
      statusCodes: [
        { from: 200, to: 200 },
        { from: 301, to: 302 },
      ],
      digest: 'abcdef0123456789abcdef0123456789',
      host: 'www.example.com',
    });
    expect(p.http.urls[1]?.host).toBe('b.example.com');
  });

  it('HTTPS: SNI from the virtualhost, none for an address', () => {
    const named = probe({ type: 'HTTPS', http: { virtualhost: 'api.example.com', urls: [{ path: '/' }] } });
    const bare = probe({ type: 'HTTPS', http: { virtualhost: '192.0.2.1', urls: [{ path: '/' }] } });
    expect(named.type === 'HTTPS' && named.tls).toEqual({ verify: false, serverName: 'api.example.com' });
    expect(bare.type === 'HTTPS' && bare.tls).toEqual({ verify: false });
  });

  it('connect_ip, connect_port and bindto replace the real server address; IPv6 Host is bracketed', () => {
    const p = probe(
      {
        type: 'HTTP',
        connectIP: '2001:db8::0:7',
        connectPort: 8080,
        bindTo: '2001:db8::1',
        http: { urls: [{ path: '/' }] },
      },
      { address: '2001:db8::10', port: 80 },
    );
    expect(p.target).toEqual({ ip: '2001:db8::7', family: 6, port: 8080, bindTo: '2001:db8::1' });
    expect(p.type === 'HTTP' && p.http.urls[0]?.host).toBe('[2001:db8::7]:8080');
  });

  it('explicit timing wins; warmup defaults to the interval', () => {
    const p = probe({ type: 'TCP', interval: '2s', timeout: '500ms', retry: 4, delayBeforeRetry: '250ms' });
    expect(p).toMatchObject({ intervalMs: 2000, timeoutMs: 500, retry: 4, delayBeforeRetryMs: 250, warmupMs: 2000 });
  });

  it('DNS: SOA of "." on the real server port', () => {
    const p = probe({ type: 'DNS' }, { address: '192.0.2.53', port: 53 });
    expect(p).toMatchObject({ queryType: 'SOA', name: '.', target: { port: 53 } });
  });

  it('PING, MISC and FILE carry no port', () => {
    expect(probe({ type: 'PING' }).target.port).toBe(0);
    expect(probe({ type: 'MISC', misc: { command: ['/bin/true'] } }).target.port).toBe(0);
  });
});

describe('keyOf', () => {
  const http: HealthCheckInput = { type: 'HTTP', http: { urls: [{ path: '/health' }] } };
  it('is equal for the same target and check, whatever the input spelling', () => {
    const a = probe({ ...http, interval: '1s' });
    const b = probe({ ...http, interval: '1000ms', timeout: '5s' });
    expect(keyOf(a)).toBe(keyOf(b));
  });
  it.each([
    { name: 'another address', other: probe(http, { address: '192.0.2.11', port: 80 }) },
    { name: 'another port', other: probe(http, { address: '192.0.2.10', port: 81 }) },
    { name: 'another path', other: probe({ type: 'HTTP', http: { urls: [{ path: '/other' }] } }) },
    { name: 'another interval', other: probe({ ...http, interval: '2s' }) },
    { name: 'another type', other: probe({ type: 'TCP' }) },
  ])('differs for $name', ({ other }) => {
    expect(keyOf(other)).not.toBe(keyOf(probe(http)));
  });
  it('ignores the target for MISC and FILE, which never use it', () => {
    const misc: HealthCheckInput = { type: 'MISC', misc: { command: ['/usr/local/bin/check'] } };
    expect(keyOf(probe(misc, { address: '192.0.2.1', port: 80 }))).toBe(
      keyOf(probe(misc, { address: '192.0.2.2', port: 81 })),
    );
  });
  it('ignores the port for PING but not the address', () => {
    const a = probe({ type: 'PING' }, { address: '192.0.2.1', port: 80 });
    expect(keyOf(a)).toBe(keyOf(probe({ type: 'PING' }, { address: '192.0.2.1', port: 443 })));
    expect(keyOf(a)).not.toBe(keyOf(probe({ type: 'PING' }, { address: '192.0.2.2', port: 80 })));
  });
});
