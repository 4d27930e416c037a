import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import dnsPacket from 'dns-packet';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/core/clock.js';
import { createDnsChecker } from '../../../src/health/dns-check.js';
import { createHttpChecker } from '../../../src/health/http-check.js';
import { createSmtpChecker } from '../../../src/health/smtp-check.js';
import { createTcpChecker } from '../../../src/health/tcp-check.js';
import type { CheckResult, HealthProbe, HttpUrl } from '../../../src/health/types.js';

// Hostile real servers on loopback: each answers a check with something built to make the
// director hold memory (endless headers, endless bodies, huge lengths, endless SMTP replies,
// 1-byte chunks). Each case gives its exact verdict, and the checker closes the connection
// as soon as the verdict is known, however much the server still has to send.

type Behaviour = (socket: net.Socket) => void;

/** Writes `chunk` forever, respecting backpressure, until the checker closes. */
function pump(socket: net.Socket, chunk: Buffer): void {
  const more = () => {
    while (!socket.destroyed && socket.write(chunk));
  };
  socket.on('drain', more);
  more();
}

/** Writes `text` one byte per write. */
function drip(socket: net.Socket, text: string, then?: () => void): void {
  socket.setNoDelay(true);
  const bytes = Buffer.from(text, 'latin1');
  let at = 0;
  const next = () => {
    if (socket.destroyed) return;
    if (at === bytes.length) return then?.();
    socket.write(bytes.subarray(at, ++at), next);
  };
  next();
}

const KIB = 1024;
const filler = (n: number) => Buffer.alloc(n, 'a');
const endless =
  (head: string, chunk: Buffer): Behaviour =>
  (s) => {
    s.write(head);
    pump(s, chunk);
  };
const respond =
  (text: string | Buffer): Behaviour =>
  (s) =>
    s.end(text);
const onRequest =
  (b: Behaviour): Behaviour =>
  (s) =>
    s.once('data', () => b(s));

const servers: net.Server[] = [];
/** Per connection of the last server: resolves once closed, with who closed it. */
let closings: Promise<'checker' | 'server'>[] = [];

async function serve(behaviour: Behaviour): Promise<number> {
  closings = [];
  const server = net.createServer((s) => {
    s.on('error', () => {});
    // A server that ends the conversation itself calls end(); any other close is the checker's.
    closings.push(new Promise((resolve) => s.on('close', () => resolve(s.writableEnded ? 'server' : 'checker'))));
    behaviour(s);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}
afterAll(() => {
  for (const s of servers) s.close();
});

const timing = { intervalMs: 1000, timeoutMs: 5000, retry: 0, delayBeforeRetryMs: 0, warmupMs: 0 };
const target = (port: number) => ({ ip: '127.0.0.1', family: 4 as const, port });
const url = (u: Partial<HttpUrl> = {}): HttpUrl => ({
  path: '/',
  statusCodes: [{ from: 200, to: 299 }],
  regexNoMatch: false,
  host: 'h',
  ...u,
});
const httpProbe = (port: number, u: Partial<HttpUrl> = {}): HealthProbe => ({
  ...timing,
  target: target(port),
  type: 'HTTP',
  http: { urls: [url(u)], httpVersion: '1.0' },
});
const smtpProbe = (port: number): HealthProbe => ({
  ...timing,
  target: target(port),
  type: 'SMTP',
  heloName: 'smtpchecker.keepalived.org',
  greeting: 'HELO',
});

const deps = { clock: systemClock };
const runners = { HTTP: createHttpChecker(deps), SMTP: createSmtpChecker(deps), TCP: createTcpChecker(deps) };
async function check(probe: HealthProbe): Promise<Omit<CheckResult, 'latencyMs'>> {
  const signal = new AbortController().signal;
  const run = runners[probe.type as keyof typeof runners] as (p: HealthProbe, s: AbortSignal) => Promise<CheckResult>;
  const { latencyMs: _, ...rest } = await run(probe, signal);
  return rest;
}

const fail = (reason: string, detail: string) => ({ ok: false, reason, detail });
const OK = { ok: true };
const md5Of = async (text: string) => (await import('node:crypto')).createHash('md5').update(text).digest('hex');
const smtpOk =
  (greeting: (s: net.Socket) => void): Behaviour =>
  (s) => {
    greeting(s);
    s.on('data', (d) => {
      if (d.toString().startsWith('HELO')) s.write('250 ok\r\n');
      if (d.toString().startsWith('QUIT')) s.end('221 bye\r\n');
    });
  };

interface Case {
  readonly name: string;
  readonly behaviour: Behaviour;
  readonly probe: (port: number) => HealthProbe | Promise<HealthProbe>;
  readonly expected: object;
  /** The checker, not the server, ends the conversation (it stopped reading). */
  readonly checkerCloses: boolean;
}

const CASES: Case[] = [
  {
    name: 'endless headers',
    behaviour: onRequest(endless('HTTP/1.0 200 OK\r\n', Buffer.from('X-Pad: aaaaaaaaaaaaaaaa\r\n'.repeat(512)))),
    probe: (p) => httpProbe(p),
    expected: fail('protocol', '/: status line and headers larger than 65536 bytes'),
    checkerCloses: true,
  },
  {
    name: 'one endless header line',
    behaviour: onRequest(endless('HTTP/1.0 200 OK\r\nX-Pad: ', filler(16 * KIB))),
    probe: (p) => httpProbe(p),
    expected: fail('protocol', '/: status line and headers larger than 65536 bytes'),
    checkerCloses: true,
  },
  {
    name: 'an endless status line',
    behaviour: onRequest(endless('HTTP/1.0 200 ', filler(16 * KIB))),
    probe: (p) => httpProbe(p),
    expected: fail('protocol', '/: status line and headers larger than 65536 bytes'),
    checkerCloses: true,
  },
  {
    name: 'endless bytes that are not HTTP',
    behaviour: onRequest(endless('', filler(16 * KIB))),
    probe: (p) => httpProbe(p),
    expected: fail('protocol', '/: not an HTTP/1.x status line'),
    checkerCloses: true,
  },
  {
    name: 'an endless body, status judged only: passes on the headers',
    behaviour: onRequest(endless('HTTP/1.0 200 OK\r\n\r\n', filler(64 * KIB))),
    probe: (p) => httpProbe(p),
    expected: OK,
    checkerCloses: true,
  },
  {
    name: 'an endless body with a refused status: fails on the headers',
    behaviour: onRequest(endless('HTTP/1.0 503 Busy\r\n\r\n', filler(64 * KIB))),
    probe: (p) => httpProbe(p, { digest: '0'.repeat(32) }),
    expected: fail('status', '/: status 503'),
    checkerCloses: true,
  },
  {
    name: 'an endless body for a digest',
    behaviour: onRequest(endless('HTTP/1.0 200 OK\r\n\r\n', filler(64 * KIB))),
    probe: (p) => httpProbe(p, { digest: '0'.repeat(32) }),
    expected: fail('protocol', '/: body larger than 16777216 bytes'),
    checkerCloses: true,
  },
  {
    name: 'a Content-Length of a terabyte for a digest',
    behaviour: onRequest(endless('HTTP/1.1 200 OK\r\nContent-Length: 1099511627776\r\n\r\n', filler(64 * KIB))),
    probe: (p) => httpProbe(p, { digest: '0'.repeat(32) }),
    expected: fail('protocol', '/: body larger than 16777216 bytes'),
    checkerCloses: true,
  },
  {
    name: 'a chunk of a terabyte for a digest',
    behaviour: onRequest(
      endless('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000\r\n', filler(64 * KIB)),
    ),
    probe: (p) => httpProbe(p, { digest: '0'.repeat(32) }),
    expected: fail('protocol', '/: body larger than 16777216 bytes'),
    checkerCloses: true,
  },
  {
    name: 'endless 1000-byte chunks for a digest',
    behaviour: onRequest(
      endless(
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n',
        Buffer.from(`3e8\r\n${'a'.repeat(1000)}\r\n`.repeat(64)),
      ),
    ),
    probe: (p) => httpProbe(p, { digest: '0'.repeat(32) }),
    expected: fail('protocol', '/: body larger than 16777216 bytes'),
    checkerCloses: true,
  },
  {
    name: 'an endless chunk-size line',
    behaviour: onRequest(endless('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;ext=', filler(16 * KIB))),
    probe: (p) => httpProbe(p, { digest: '0'.repeat(32) }),
    expected: fail('protocol', '/: chunk-size line larger than 4096 bytes'),
    checkerCloses: true,
  },
  {
    name: 'a chunk size that is not hex',
    behaviour: onRequest(endless('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', filler(16 * KIB))),
    probe: (p) => httpProbe(p, { digest: '0'.repeat(32) }),
    expected: fail('protocol', '/: bad chunk size'),
    checkerCloses: true,
  },
  {
    name: 'a body over the regex limit',
    behaviour: onRequest(endless('HTTP/1.0 200 OK\r\n\r\n', filler(64 * KIB))),
    probe: (p) => httpProbe(p, { regex: 'healthy' }),
    expected: fail('protocol', '/: body kept for a regex larger than 262144 bytes'),
    checkerCloses: true,
  },
  {
    name: 'a response in 1-byte chunks, chunked, with a digest: still judged exactly',
    behaviour: onRequest((s) =>
      drip(s, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n', () =>
        s.end(),
      ),
    ),
    probe: async (p) => httpProbe(p, { digest: await md5Of('hello world'), regex: 'o w' }),
    expected: OK,
    checkerCloses: false,
  },
  {
    name: 'a normal response with a digest and a regex: unaffected',
    behaviour: onRequest(respond('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall healthy')),
    probe: async (p) => httpProbe(p, { digest: await md5Of('all healthy'), regex: 'healthy$' }),
    expected: OK,
    checkerCloses: false,
  },
  {
    name: 'SMTP: an endless greeting line',
    behaviour: endless('220 ', filler(16 * KIB)),
    probe: (p) => smtpProbe(p),
    expected: fail('protocol', 'greeting: reply larger than 65536 bytes'),
    checkerCloses: true,
  },
  {
    name: 'SMTP: endless continuation lines',
    behaviour: endless('', Buffer.from('220-still greeting\r\n'.repeat(512))),
    probe: (p) => smtpProbe(p),
    expected: fail('protocol', 'greeting: reply larger than 65536 bytes'),
    checkerCloses: true,
  },
  {
    name: 'SMTP: an endless HELO reply',
    behaviour: (s) => {
      s.write('220 hi\r\n');
      s.once('data', () => pump(s, Buffer.from('250-extension\r\n'.repeat(512))));
    },
    probe: (p) => smtpProbe(p),
    expected: fail('protocol', 'HELO reply: reply larger than 65536 bytes'),
    checkerCloses: true,
  },
  {
    name: 'SMTP: a greeting in 1-byte chunks',
    behaviour: smtpOk((s) => drip(s, '220-hello\r\n220 ready\r\n')),
    probe: (p) => smtpProbe(p),
    expected: OK,
    checkerCloses: false,
  },
  {
    name: 'TCP: a server that streams forever',
    behaviour: (s) => pump(s, filler(64 * KIB)),
    probe: (p) => ({ ...timing, target: target(p), type: 'TCP' }),
    expected: OK,
    checkerCloses: true,
  },
];

describe('hostile real servers cannot make a health check hold memory', () => {
  it.each(CASES)('$name', async ({ behaviour, probe, expected, checkerCloses }) => {
    const port = await serve(behaviour);
    expect(await check(await probe(port))).toEqual(expected);
    // The conversation is over once the verdict is in: one connection, closed, nothing left reading.
    expect(closings).toHaveLength(1);
    expect(await closings[0]).toBe(checkerCloses ? 'checker' : 'server');
  });
});

// DNS: the datagram path holds one datagram at a time whatever the server sends.
describe('hostile DNS servers', () => {
  /** Answers each query with `reply(query)`, a list of datagrams. */
  async function dnsServer(reply: (query: Buffer) => Buffer[]): Promise<number> {
    const socket = dgram.createSocket('udp4');
    sockets.push(socket);
    socket.on('message', (query, from) => {
      for (const d of reply(query)) socket.send(d, from.port, from.address);
    });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return socket.address().port;
  }
  const sockets: dgram.Socket[] = [];
  afterAll(() => {
    for (const s of sockets) s.close();
  });
  const dnsProbe = (port: number): HealthProbe => ({
    ...timing,
    target: target(port),
    type: 'DNS',
    queryType: 'A',
    name: 'www.example.test',
  });
  const answer = (query: Buffer) =>
    dnsPacket.encode({
      type: 'response',
      id: query.readUInt16BE(0),
      flags: dnsPacket.RECURSION_DESIRED,
      answers: [{ type: 'A', name: 'www.example.test', data: '192.0.2.1' }],
    });
  /** A response header (id, QR set, counts) followed by `body`. */
  const header = (query: Buffer, counts: [number, number], body: Buffer) => {
    const h = Buffer.alloc(12);
    h.writeUInt16BE(query.readUInt16BE(0), 0);
    h[2] = 0x81;
    h.writeUInt16BE(counts[0], 4);
    h.writeUInt16BE(counts[1], 6);
    return Buffer.concat([h, body]);
  };
  const dns = createDnsChecker(deps);
  const run = async (port: number) => {
    const { latencyMs: _, ...rest } = await dns(dnsProbe(port) as never, new AbortController().signal);
    return rest;
  };

  it.each([
    {
      name: 'a flood of large datagrams with other ids, then the answer',
      reply: (q: Buffer) => [
        ...Array.from({ length: 200 }, () => {
          const d = Buffer.alloc(60_000);
          d.writeUInt16BE(q.readUInt16BE(0) ^ 1, 0);
          d[2] = 0x81;
          return d;
        }),
        answer(q),
      ],
      expected: OK,
    },
    {
      name: 'a question name that points at itself',
      reply: (q: Buffer) => [header(q, [1, 0], Buffer.from([0xc0, 0x0c, 0, 1, 0, 1]))],
      expected: fail('protocol', 'undecodable response: Cannot decode name (bad pointer)'),
    },
    {
      name: '65535 answers announced, none sent',
      reply: (q: Buffer) => [header(q, [0, 65535], Buffer.alloc(0))],
      expected: fail('protocol', 'undecodable response: Cannot decode name (buffer overflow)'),
    },
    {
      name: 'a name of 300 bytes',
      reply: (q: Buffer) => [
        header(
          q,
          [1, 0],
          Buffer.concat([
            ...Array.from({ length: 5 }, () => Buffer.from([60, ...Buffer.alloc(60, 0x61)])),
            Buffer.from([0, 0, 1, 0, 1]),
          ]),
        ),
      ],
      expected: fail('protocol', 'undecodable response: Cannot decode name (name too long)'),
    },
  ])('$name', async ({ reply, expected }) => {
    expect(await run(await dnsServer(reply))).toEqual(expected);
  });
});

// SSL_GET reads through the same bounded conversation: TLS changes nothing.
describe('hostile TLS servers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostile-health-tls-'));
  const tlsServers: tls.Server[] = [];
  afterAll(() => {
    for (const s of tlsServers) s.close();
    rmSync(dir, { recursive: true, force: true });
  });
  async function serveTls(behaviour: Behaviour): Promise<number> {
    const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    if (!existsSync(cert)) {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          key,
          '-out',
          cert,
          '-days',
          '1',
          '-subj',
          '/CN=127.0.0.1',
        ],
        { stdio: 'ignore' },
      );
    }
    const server = tls.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (s) => {
      s.on('error', () => {});
      behaviour(s);
    });
    tlsServers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as net.AddressInfo).port;
  }
  const httpsProbe = (port: number, u: Partial<HttpUrl> = {}): HealthProbe => ({
    ...timing,
    target: target(port),
    type: 'HTTPS',
    http: { urls: [url(u)], httpVersion: '1.0' },
    tls: { verify: false },
  });
  const https = createHttpChecker(deps);

  it.each([
    {
      name: 'an endless body, status judged only',
      behaviour: onRequest(endless('HTTP/1.0 200 OK\r\n\r\n', filler(16 * KIB))),
      probe: (p: number) => httpsProbe(p),
      expected: OK,
    },
    {
      name: 'endless headers',
      behaviour: onRequest(endless('HTTP/1.0 200 OK\r\n', Buffer.from('X-Pad: aaaaaaaa\r\n'.repeat(1024)))),
      probe: (p: number) => httpsProbe(p),
      expected: fail('protocol', '/: status line and headers larger than 65536 bytes'),
    },
    {
      name: 'an endless body for a digest',
      behaviour: onRequest(endless('HTTP/1.0 200 OK\r\n\r\n', filler(16 * KIB))),
      probe: (p: number) => httpsProbe(p, { digest: '0'.repeat(32) }),
      expected: fail('protocol', '/: body larger than 16777216 bytes'),
    },
  ])('SSL_GET: $name', async ({ behaviour, probe, expected }) => {
    const port = await serveTls(behaviour);
    const { latencyMs: _, ...rest } = await https(probe(port) as never, new AbortController().signal);
    expect(rest).toEqual(expected);
  });
});
