import { describe, expect, it } from 'vitest';
import { HealthCheckSchema } from '../../../src/api/index.js';
import { normaliseCheck } from '../../../src/model/index.js';
import { ip } from '../../support/address.js';

const HTTP_URL = { urls: [{ path: '/' }] };

// Bad checker configuration is refused with the field path and a message that says the fix.
describe('health check validation (schema)', () => {
  it.each([
    {
      name: 'HTTP without http block',
      input: { type: 'HTTP' },
      path: ['http'],
      message: 'type HTTP/HTTPS needs a http block',
    },
    {
      name: 'HTTPS without http block',
      input: { type: 'HTTPS' },
      path: ['http'],
      message: 'type HTTP/HTTPS needs a http block',
    },
    {
      name: 'HTTP with no url',
      input: { type: 'HTTP', http: { urls: [] } },
      path: ['http', 'urls'],
      message: 'an HTTP check needs at least one url',
    },
    {
      name: 'http block on TCP',
      input: { type: 'TCP', http: HTTP_URL },
      path: ['http'],
      message: 'http settings apply only to type HTTP or HTTPS',
    },
    {
      name: 'relative url path',
      input: { type: 'HTTP', http: { urls: [{ path: 'health' }] } },
      path: ['http', 'urls', 0, 'path'],
      message: 'must start with "/"',
    },
    {
      name: 'bad status code',
      input: { type: 'HTTP', http: { urls: [{ path: '/', statusCodes: ['200', '99'] }] } },
      path: ['http', 'urls', 0, 'statusCodes', 1],
      message: 'must be a status code or a range such as "200-299"',
    },
    {
      name: 'short digest',
      input: { type: 'HTTP', http: { urls: [{ path: '/', digest: 'abc' }] } },
      path: ['http', 'urls', 0, 'digest'],
      message: 'must be the 32 hex digits of an MD5 digest, as genhash prints',
    },
    {
      name: 'tls on HTTP',
      input: { type: 'HTTP', http: { ...HTTP_URL, tls: {} } },
      path: ['http', 'tls'],
      message: 'tls settings apply only to type HTTPS',
    },
    {
      name: 'smtp block on TCP',
      input: { type: 'TCP', smtp: {} },
      path: ['smtp'],
      message: 'smtp settings apply only to type SMTP',
    },
    {
      name: 'dns block on UDP',
      input: { type: 'UDP', dns: {} },
      path: ['dns'],
      message: 'dns settings apply only to type DNS',
    },
    {
      name: 'odd hex payload',
      input: { type: 'UDP', udp: { payload: 'abc' } },
      path: ['udp', 'payload'],
      message: 'must be hex digits, two per byte',
    },
    {
      name: 'reply bounds reversed',
      input: { type: 'UDP', udp: { minReplyLength: 5, maxReplyLength: 2 } },
      path: ['udp', 'maxReplyLength'],
      message: 'maxReplyLength must not be smaller than minReplyLength',
    },
    {
      name: 'MISC without misc block',
      input: { type: 'MISC' },
      path: ['misc'],
      message: 'type MISC needs a misc block',
    },
    {
      name: 'MISC with empty command',
      input: { type: 'MISC', misc: { command: [] } },
      path: ['misc', 'command'],
      message: 'a command needs at least the program path',
    },
    {
      name: 'FILE without file block',
      input: { type: 'FILE' },
      path: ['file'],
      message: 'type FILE needs a file block',
    },
    {
      name: 'timeout too short',
      input: { type: 'TCP', timeout: '1ms' },
      path: ['timeout'],
      message: 'must be between 10ms and 3600s',
    },
    {
      name: 'bad connectIP',
      input: { type: 'TCP', connectIP: '10.0.0' },
      path: ['connectIP'],
      message: 'must be an IPv4 or IPv6 address, e.g. 192.0.2.10 or 2001:db8::10',
    },
  ])('$name', ({ input, path, message }) => {
    const r = HealthCheckSchema.safeParse(input);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => ({ path: i.path, message: i.message }))).toContainEqual({ path, message });
  });
});

describe('health check validation (normalisation)', () => {
  const server = { address: ip('192.0.2.10'), port: 80 };
  it.each([
    {
      name: 'invalid regex',
      input: { type: 'HTTP', http: { urls: [{ path: '/' }, { path: '/x', regex: '(unclosed' }] } },
      server,
      path: ['http', 'urls', 1, 'regex'],
      message: 'must be a valid regular expression',
    },
    {
      name: 'status range backwards',
      input: { type: 'HTTP', http: { urls: [{ path: '/', statusCodes: ['299-200'] }] } },
      server,
      path: ['http', 'urls', 0, 'statusCodes', 0],
      message: 'a status code range must not run backwards',
    },
    {
      name: 'TCP check of a fwmark server',
      input: { type: 'TCP' },
      server: { address: ip('192.0.2.10'), port: 0 },
      path: ['connectPort'],
      message: 'a TCP check of a server without a port (fwmark service) needs connectPort',
    },
    {
      name: 'bindTo of the other family',
      input: { type: 'TCP', bindTo: '2001:db8::1' },
      server,
      path: ['bindTo'],
      message: 'bindTo must have the address family of the checked address (IPv4)',
    },
    {
      name: 'bindInterface',
      input: { type: 'TCP', bindInterface: 'eth1' },
      server,
      path: ['bindInterface'],
      message: 'bindInterface is not supported; use bindTo with an address of that interface',
    },
    {
      name: 'bindTo on PING',
      input: { type: 'PING', bindTo: '192.0.2.1' },
      server,
      path: ['bindTo'],
      message: 'bindTo is not supported for PING checks',
    },
    {
      name: 'CA Secret missing',
      input: {
        type: 'HTTPS',
        http: { urls: [{ path: '/' }], tls: { verify: true, caSecretRef: { name: 'ca', key: 'ca.crt' } } },
      },
      server,
      path: ['http', 'tls', 'caSecretRef'],
      message: 'Secret ca key ca.crt not found',
    },
  ])('$name', ({ input, server: rs, path, message }) => {
    const check = HealthCheckSchema.parse(input);
    const r = normaliseCheck(check, rs);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => ({ path: i.path, message: i.message }))).toContainEqual({ path, message });
  });

  it('marks a missing Secret as transient and a bad regex as permanent', () => {
    const secret = normaliseCheck(
      HealthCheckSchema.parse({
        type: 'HTTPS',
        http: { urls: [{ path: '/' }], tls: { caSecretRef: { name: 'ca', key: 'k' } } },
      }),
      server,
    );
    const regex = normaliseCheck(
      HealthCheckSchema.parse({ type: 'HTTP', http: { urls: [{ path: '/', regex: '[' }] } }),
      server,
    );
    expect(!secret.ok && secret.issues.every((i) => i.transient)).toBe(true);
    expect(!regex.ok && regex.issues.every((i) => !i.transient)).toBe(true);
  });
});
