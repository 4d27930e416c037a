/**
 * Every checker against real servers in a network namespace: up, and down by each failure
 * reason it can see (refused, timeout, status, digest, regex, TLS, DNS answer and rcode,
 * ICMP unreachable, reply checks, exit status). One attempt per case, through the same check
 * runner the scheduler uses.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HealthCheckSchema, type HealthCheckInput } from '../../src/api/index.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { createSystemCheckRunner, type SystemCheckRunner } from '../../src/health/check-runner.js';
import { createNotifyRunner } from '../../src/health/notify-command.js';
import type { CheckResult } from '../../src/health/types.js';
import { normaliseCheck } from '../../src/model/index.js';
import { ip } from '../support/address.js';
import { HealthLab } from '../support/health-lab.js';
import { checkRunnerContract } from '../support/health-runner-contract.js';
import { waitFor } from '../support/netns.js';
import { describeAsRoot } from '../support/privileges.js';

describeAsRoot('health checkers against real servers', () => {
  let lab: HealthLab;
  let runner: SystemCheckRunner;

  beforeAll(async () => {
    lab = await HealthLab.create();
    runner = createSystemCheckRunner({ clock: systemClock });
  });
  afterAll(async () => {
    runner?.close();
    await lab?.destroy();
  });

  /** One attempt of a check of the backend (or `address`) on `port`. */
  async function attempt(input: HealthCheckInput, port = 80, address?: string): Promise<CheckResult> {
    const parsed = HealthCheckSchema.parse({ timeout: '400ms', ...input });
    const r = normaliseCheck(parsed, { address: ip(address ?? lab.backendIp(0)), port });
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    return runner.run(r.probe, new AbortController().signal);
  }
  const outcome = (r: CheckResult) => (r.ok ? 'up' : r.reason);

  describe('the real checkers keep the CheckRunner contract', () => {
    const tcp = (address: () => string, port: number) => () => {
      const r = normaliseCheck(HealthCheckSchema.parse({ type: 'TCP', timeout: '5s' }), {
        address: ip(address()),
        port,
      });
      if (!r.ok) throw new Error(JSON.stringify(r.issues));
      return r.probe;
    };
    checkRunnerContract({
      run: () => runner.run,
      up: tcp(() => lab.backendIp(0), 9000),
      down: tcp(() => lab.backendIp(0), 9002),
      silent: tcp(() => lab.silentIp(8), 9000),
    });
  });
  const http = (urls: object[], extra: object = {}): HealthCheckInput =>
    ({ type: 'HTTP', http: { urls, ...extra } }) as HealthCheckInput;
  const https = (urls: object[], tls: object = {}): HealthCheckInput =>
    ({ type: 'HTTPS', http: { urls, tls } }) as HealthCheckInput;
  const MD5_OF_HEALTH_PAGE = '7e4f1ffa4a2a3ab4c33ebb1a8ab8a0bb';

  it.each([
    { name: 'up', check: () => http([{ path: '/health_check.html' }]), expected: 'up' },
    {
      name: 'HTTP/1.1 chunked body',
      check: () => http([{ path: '/chunked', regex: 'chunk one chunk two' }], { httpVersion: '1.1' }),
      expected: 'up',
    },
    {
      name: 'virtualhost sent as Host',
      check: () => http([{ path: '/vhost' }], { virtualhost: 'www.example.test' }),
      expected: 'up',
    },
    {
      name: 'per-url virtualhost wins',
      check: () => http([{ path: '/vhost', virtualhost: 'www.example.test' }], { virtualhost: 'other.test' }),
      expected: 'up',
    },
    { name: 'no virtualhost: Host is ip:port', check: () => http([{ path: '/vhost' }]), expected: 'status' },
    { name: 'wrong status (404)', check: () => http([{ path: '/missing.html' }]), expected: 'status' },
    {
      name: '404 accepted by status_code',
      check: () => http([{ path: '/missing.html', statusCodes: ['404'] }]),
      expected: 'up',
    },
    {
      name: '503 outside a range',
      check: () => http([{ path: '/status/503', statusCodes: ['200-299', '301-302'] }]),
      expected: 'status',
    },
    {
      name: 'wrong digest',
      check: () => http([{ path: '/health_check.html', digest: '0'.repeat(32) }]),
      expected: 'digest',
    },
    { name: 'regex mismatch', check: () => http([{ path: '/health_check.html', regex: 'FAILED' }]), expected: 'regex' },
    {
      name: 'regex_no_match',
      check: () => http([{ path: '/health_check.html', regex: 'healthy', regexNoMatch: true }]),
      expected: 'regex',
    },
    {
      name: 'one of several urls fails',
      check: () => http([{ path: '/health_check.html' }, { path: '/index.html', regex: 'nope' }]),
      expected: 'regex',
    },
    { name: 'response timeout', check: () => http([{ path: '/slow' }]), expected: 'timeout' },
    { name: 'connection refused', check: () => ({ ...http([{ path: '/' }]), connectPort: 81 }), expected: 'refused' },
    {
      name: 'connect timeout (nothing at the address)',
      check: () => ({ ...http([{ path: '/' }]), connectIP: lab.silentIp(0) }),
      expected: 'timeout',
    },
  ])('HTTP_GET: $name', async ({ check, expected }) => {
    expect(outcome(await attempt(check()))).toBe(expected);
  });

  it('HTTP_GET: digest of the body as genhash computes it', async () => {
    const { createHash } = await import('node:crypto');
    const digest = createHash('md5').update('<html>OK healthy</html>\n').digest('hex');
    expect(digest).not.toBe(MD5_OF_HEALTH_PAGE);
    expect(outcome(await attempt(http([{ path: '/health_check.html', digest }])))).toBe('up');
  });

  it.each([
    { name: 'up without verification', check: () => https([{ path: '/health_check.html' }]), expected: 'up' },
    {
      name: 'up with CA verification and SNI',
      check: () =>
        https([{ path: '/health_check.html' }], { verify: true, caFile: lab.caFile, serverName: 'backend.test' }),
      expected: 'up',
    },
    {
      name: 'up with CA verification of the address',
      check: () => https([{ path: '/index.html' }], { verify: true, caFile: lab.caFile }),
      expected: 'up',
    },
    {
      name: 'untrusted CA',
      check: () => https([{ path: '/' }], { verify: true, caFile: lab.wrongCaFile }),
      expected: 'tls',
    },
    {
      name: 'self-signed chain without the CA',
      check: () => https([{ path: '/' }], { verify: true }),
      expected: 'tls',
    },
    {
      name: 'name mismatch',
      check: () => https([{ path: '/' }], { verify: true, caFile: lab.caFile, serverName: 'other.test' }),
      expected: 'tls',
    },
    { name: 'wrong status over TLS', check: () => https([{ path: '/missing.html' }]), expected: 'status' },
  ])('SSL_GET: $name', async ({ check, expected }) => {
    expect(outcome(await attempt(check(), 443))).toBe(expected);
  });

  it('SSL_GET: TLS handshake against a plain HTTP port fails as tls', async () => {
    expect(outcome(await attempt(https([{ path: '/' }]), 80))).toBe('tls');
  });

  it.each([
    { name: 'up', port: 9000, address: undefined, expected: 'up' },
    { name: 'refused', port: 9002, address: undefined, expected: 'refused' },
    { name: 'timeout', port: 9000, address: 'silent', expected: 'timeout' },
  ])('TCP_CHECK: $name', async ({ port, address, expected }) => {
    const r = await attempt({ type: 'TCP' }, port, address ? lab.silentIp(1) : undefined);
    expect(outcome(r)).toBe(expected);
  });

  it('bindto: the probe leaves from the given source address', async () => {
    expect(outcome(await attempt({ type: 'TCP', bindTo: lab.hostIp }, 9000))).toBe('up');
    // An address this host does not have cannot be bound.
    expect(outcome(await attempt({ type: 'TCP', bindTo: lab.silentIp(9) }, 9000))).not.toBe('up');
  });

  it('notify hooks run as commands, without a shell', async () => {
    const marker = join(lab.netns.dir, 'notified');
    const notify = createNotifyRunner({ clock: systemClock, log: silentLogger() });
    notify(['sh', '-c', `echo "$0" > ${marker}`, 'down'], { vs: 'default/web', rs: '192.0.2.1:80' });
    await waitFor(() => existsSync(marker) && readFileSync(marker, 'utf8') === 'down\n', { what: 'notify hook' });
  });

  it.each([
    { name: 'HELO up', smtp: {}, port: 25, expected: 'up' },
    {
      name: 'EHLO with helo_name up',
      smtp: { greeting: 'EHLO', heloName: 'director.example' },
      port: 25,
      expected: 'up',
    },
    { name: 'helo_name refused by the server', smtp: { heloName: 'reject.example' }, port: 25, expected: 'protocol' },
    { name: '554 greeting', smtp: {}, port: 2525, expected: 'protocol' },
    { name: 'refused', smtp: {}, port: 26, expected: 'refused' },
  ])('SMTP_CHECK: $name', async ({ smtp, port, expected }) => {
    expect(outcome(await attempt({ type: 'SMTP', smtp } as HealthCheckInput, port))).toBe(expected);
  });

  it.each([
    { name: 'A answer', dns: { queryType: 'A', name: 'up.test' }, port: 53, silent: false, expected: 'up' },
    {
      name: 'no AAAA answer',
      dns: { queryType: 'AAAA', name: 'up.test' },
      port: 53,
      silent: false,
      expected: 'no-answer',
    },
    {
      name: 'refused or NXDOMAIN rcode',
      dns: { queryType: 'A', name: 'nx.invalid' },
      port: 53,
      silent: false,
      expected: 'dns-error',
    },
    {
      name: 'ICMP port unreachable',
      dns: { queryType: 'A', name: 'up.test' },
      port: 5353,
      silent: false,
      expected: 'unreachable',
    },
    { name: 'timeout', dns: { queryType: 'A', name: 'up.test' }, port: 53, silent: true, expected: 'timeout' },
  ])('DNS_CHECK: $name', async ({ dns, port, silent, expected }) => {
    const r = await attempt({ type: 'DNS', dns } as HealthCheckInput, port, silent ? lab.silentIp(2) : undefined);
    expect(`${outcome(r)} ${r.ok ? '' : r.detail}`).toMatch(new RegExp(`^${expected} `));
  });

  it.each([
    {
      name: 'echo with require_reply and expected bytes',
      udp: { payload: 'cafe0102', requireReply: true, replyPayload: 'cafe' },
      port: 9001,
      silent: false,
      expected: 'up',
    },
    {
      name: 'empty datagram (no payload) echoed',
      udp: { requireReply: true },
      port: 9001,
      silent: false,
      expected: 'up',
    },
    { name: 'no reply needed, silence is up', udp: { payload: '00' }, port: 9001, silent: true, expected: 'up' },
    { name: 'ICMP port unreachable', udp: { payload: '00' }, port: 9009, silent: false, expected: 'unreachable' },
    {
      name: 'reply required, none',
      udp: { payload: '00', requireReply: true },
      port: 9001,
      silent: true,
      expected: 'timeout',
    },
    {
      name: 'reply too short',
      udp: { payload: '0102', requireReply: true, minReplyLength: 3 },
      port: 9001,
      silent: false,
      expected: 'reply',
    },
    {
      name: 'reply too long',
      udp: { payload: '010203', requireReply: true, maxReplyLength: 2 },
      port: 9001,
      silent: false,
      expected: 'reply',
    },
    {
      name: 'reply bytes differ',
      udp: { payload: '0102', requireReply: true, replyPayload: 'ff' },
      port: 9001,
      silent: false,
      expected: 'reply',
    },
  ])('UDP_CHECK: $name', async ({ udp, port, silent, expected }) => {
    const r = await attempt(
      { type: 'UDP', udp } as HealthCheckInput,
      port,
      silent ? lab.silentIp(udp.requireReply ? 4 : 3) : undefined,
    );
    expect(outcome(r)).toBe(expected);
  });

  it('PING_CHECK: up, timeout while echo is ignored, up again', async () => {
    expect(outcome(await attempt({ type: 'PING' }))).toBe('up');
    await lab.backend(['sysctl', '-qw', 'net.ipv4.icmp_echo_ignore_all=1']);
    try {
      expect(outcome(await attempt({ type: 'PING' }))).toBe('timeout');
    } finally {
      await lab.backend(['sysctl', '-qw', 'net.ipv4.icmp_echo_ignore_all=0']);
    }
    expect(outcome(await attempt({ type: 'PING' }))).toBe('up');
    expect(outcome(await attempt({ type: 'PING' }, 0, lab.silentIp(5)))).toBe('timeout');
  });

  it.each([
    { type: 'PING', port: 0 },
    { type: 'TCP', port: 9000 },
  ] as const)('$type: ICMP host unreachable from a router is down as unreachable', async ({ type, port }) => {
    expect(outcome(await attempt({ type }, port, lab.unreachableIp))).toBe('unreachable');
  });

  it('UDP_CHECK: a host unreachable is not reported to a UDP socket (as for keepalived, layer4.c)', async () => {
    // Linux reports only port unreachable to a connected UDP socket without IP_RECVERR, and
    // keepalived does not set it: silence counts as up unless a reply is required.
    expect(outcome(await attempt({ type: 'UDP', udp: { payload: '00' } }, 9001, lab.unreachableIp))).toBe('up');
    const required = await attempt(
      { type: 'UDP', udp: { payload: '00', requireReply: true } },
      9001,
      lab.unreachableIp,
    );
    expect(outcome(required)).toBe('timeout');
  });

  it.each([
    { name: 'exit 0 up', misc: { command: ['true'] }, expected: 'up', weight: undefined },
    { name: 'exit 1 down', misc: { command: ['false'] }, expected: 'exit', weight: undefined },
    {
      name: 'exit 3 down without misc_dynamic',
      misc: { command: ['sh', '-c', 'exit 3'] },
      expected: 'exit',
      weight: undefined,
    },
    {
      name: 'misc_dynamic exit 7 up at weight 5',
      misc: { command: ['sh', '-c', 'exit 7'], dynamic: true },
      expected: 'up',
      weight: 5,
    },
    {
      name: 'misc_dynamic exit 1 down',
      misc: { command: ['sh', '-c', 'exit 1'], dynamic: true },
      expected: 'exit',
      weight: undefined,
    },
    { name: 'timeout kills it', misc: { command: ['sleep', '5'] }, expected: 'timeout', weight: undefined },
    { name: 'missing program', misc: { command: ['/nonexistent/check'] }, expected: 'error', weight: undefined },
    {
      name: 'as another user',
      misc: { command: ['sh', '-c', 'test "$(id -u)" = 65534'], user: 'nobody' },
      expected: 'up',
      weight: undefined,
    },
  ])('MISC_CHECK: $name', async ({ misc, expected, weight }) => {
    const r = await attempt({ type: 'MISC', misc } as HealthCheckInput);
    expect(outcome(r)).toBe(expected);
    if (weight !== undefined) expect(r.ok && r.weight).toEqual({ kind: 'set', weight });
  });

  it('MISC_CHECK: the script runs within its timeout', async () => {
    const r = await attempt({ type: 'MISC', misc: { command: ['sleep', '5'] } });
    expect(r.latencyMs).toBeLessThan(1500);
  });

  it.each([
    { name: 'value 0 up', content: '0\n', file: {}, expected: 'up', delta: undefined },
    { name: 'value 1 down', content: '1\n', file: {}, expected: 'file', delta: undefined },
    { name: 'missing file reads as 0', content: undefined, file: {}, expected: 'up', delta: undefined },
    { name: 'weight 2 value 3 adds 6', content: '3', file: { weight: 2 }, expected: 'up', delta: 6 },
  ])('FILE_CHECK: $name', async ({ content, file, expected, delta }) => {
    const path = join(lab.netns.dir, `file-${Math.random().toString(36).slice(2)}`);
    if (content !== undefined) writeFileSync(path, content);
    const r = await attempt({ type: 'FILE', file: { path, ...file } } as HealthCheckInput);
    expect(outcome(r)).toBe(expected);
    if (delta !== undefined) expect(r.ok && r.weight).toEqual({ kind: 'add', delta });
  });
});
