import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/core/clock.js';
import { HTTP_BODY_LIMIT, HTTP_HEAD_LIMIT } from '../../../src/health/http-response.js';
import { createHttpChecker } from '../../../src/health/http-check.js';
import { createSmtpChecker } from '../../../src/health/smtp-check.js';
import { SMTP_REPLY_LIMIT } from '../../../src/health/smtp-reply.js';
import type { CheckResult, HealthProbe, HttpUrl } from '../../../src/health/types.js';

// 200 checks at once against hostile servers on loopback (another process, so that only the
// checker's memory is measured): endless bodies, endless headers, headers dripped one byte at
// a time, endless SMTP greetings. What the checker holds (live heap and buffers, measured
// after a full collection every 50 ms) must stay within what they may hold by design (one
// socket read per connection, each reader's limit: about 27 MiB), each check must give its
// precise verdict, and a normal server checked meanwhile must pass.

const HOSTILE_SERVER = `
import net from 'node:net';
const pump = (s, chunk) => { const more = () => { while (!s.destroyed && s.write(chunk)); }; s.on('drain', more); more(); };
const modes = {
  normal: (s) => s.once('data', () => s.end('HTTP/1.0 200 OK\\r\\n\\r\\nall good')),
  endlessBody: (s) => s.once('data', () => { s.write('HTTP/1.0 200 OK\\r\\n\\r\\n'); pump(s, Buffer.alloc(65536, 'a')); }),
  endlessHeaders: (s) => s.once('data', () => { s.write('HTTP/1.0 200 OK\\r\\n'); pump(s, Buffer.from('X-Pad: aaaaaaaa\\r\\n'.repeat(1024))); }),
  drip: (s) => s.once('data', () => {
    s.setNoDelay(true);
    const text = Buffer.from('HTTP/1.0 200 OK\\r\\nX-Slow: ');
    let at = 0;
    const timer = setInterval(() => { if (s.destroyed) return clearInterval(timer); s.write(at < text.length ? text.subarray(at, ++at) : 'a'); }, 10);
  }),
  smtpEndless: (s) => pump(s, Buffer.from('220-still greeting\\r\\n'.repeat(1024))),
};
const ports = {};
for (const [mode, behaviour] of Object.entries(modes)) {
  const server = net.createServer((s) => { s.on('error', () => {}); behaviour(s); });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  ports[mode] = server.address().port;
}
process.stdout.write(JSON.stringify(ports) + '\\n');
`;

type Ports = Record<'normal' | 'endlessBody' | 'endlessHeaders' | 'drip' | 'smtpEndless', number>;
let child: ChildProcess | undefined;
let ports: Ports;

beforeAll(async () => {
  child = spawn(process.execPath, ['--input-type=module', '-e', HOSTILE_SERVER], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
  ports = JSON.parse(line.toString()) as Ports;
});
afterAll(() => {
  child?.kill();
});

v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
/** What the process holds: live JS heap plus Buffer memory, after a full collection. */
const held = () => {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

const MIB = 1024 * 1024;
/** How much one read of a TCP socket hands over in Node (libuv's 64 KiB read buffer). */
const SOCKET_READ = 64 * 1024;
/** The collector's own variation between two samples: not the checkers'. */
const HEAP_SLACK = 10 * MIB;
const target = (port: number) => ({ ip: '127.0.0.1', family: 4 as const, port });
const timing = (timeoutMs: number) => ({ intervalMs: 1000, timeoutMs, retry: 0, delayBeforeRetryMs: 0, warmupMs: 0 });
const http = (port: number, timeoutMs: number, u: Partial<HttpUrl> = {}): HealthProbe => ({
  ...timing(timeoutMs),
  target: target(port),
  type: 'HTTP',
  http: {
    urls: [{ path: '/', statusCodes: [{ from: 200, to: 299 }], regexNoMatch: false, host: 'h', ...u }],
    httpVersion: '1.0',
  },
});
const smtp = (port: number): HealthProbe => ({
  ...timing(20_000),
  target: target(port),
  type: 'SMTP',
  heloName: 'smtpchecker.keepalived.org',
  greeting: 'HELO',
});

describe('200 concurrent checks against hostile servers', () => {
  it(
    "hold no more than one socket read per connection and each reader's limit, and give precise verdicts",
    { timeout: 60_000 },
    async () => {
      const deps = { clock: systemClock };
      const httpCheck = createHttpChecker(deps);
      const smtpCheck = createSmtpChecker(deps);
      const run = (probe: HealthProbe): Promise<CheckResult> => {
        const signal = new AbortController().signal;
        return probe.type === 'SMTP' ? smtpCheck(probe, signal) : httpCheck(probe as never, signal);
      };
      const verdict = (r: CheckResult) => (r.ok ? 'ok' : `${r.reason}: ${r.detail}`);
      expect(verdict(await run(http(ports.normal, 5000)))).toBe('ok');

      const groups = [
        { probe: http(ports.endlessBody, 20_000), n: 70, expected: 'ok' },
        {
          probe: http(ports.endlessHeaders, 20_000),
          n: 50,
          expected: `protocol: /: status line and headers larger than ${HTTP_HEAD_LIMIT} bytes`,
        },
        { probe: http(ports.drip, 1500), n: 40, expected: 'timeout: /: ETIMEDOUT' },
        {
          probe: http(ports.endlessBody, 20_000, { digest: '0'.repeat(32) }),
          n: 10,
          expected: `protocol: /: body larger than ${HTTP_BODY_LIMIT} bytes`,
        },
        {
          probe: smtp(ports.smtpEndless),
          n: 20,
          expected: `protocol: greeting: reply larger than ${SMTP_REPLY_LIMIT} bytes`,
        },
        { probe: http(ports.normal, 20_000), n: 10, expected: 'ok' },
      ];
      expect(groups.reduce((sum, g) => sum + g.n, 0)).toBe(200);

      const baseline = held();
      const rssBefore = process.memoryUsage().rss;
      let peak = 0;
      const sampler = setInterval(() => (peak = Math.max(peak, held() - baseline)), 50);
      let results: string[][];
      try {
        results = await Promise.all(
          groups.map(async (g) => (await Promise.all(Array.from({ length: g.n }, () => run(g.probe)))).map(verdict)),
        );
        peak = Math.max(peak, held() - baseline);
      } finally {
        clearInterval(sampler);
      }
      const rssGrowth = process.memoryUsage().rss - rssBefore;
      console.log(`held at most +${(peak / MIB).toFixed(1)} MiB, RSS +${(rssGrowth / MIB).toFixed(1)} MiB`);
      // What the checkers may hold by design: per connection one socket read in flight (Node
      // reads 64 KiB at a time, and under CPU load every connection can have one), per reader its
      // limit (headers, SMTP replies), and the heap's own slack. Unbounded reading held 254 MiB.
      const bound =
        groups.reduce((sum, g) => sum + g.n, 0) * SOCKET_READ +
        50 * HTTP_HEAD_LIMIT +
        20 * SMTP_REPLY_LIMIT +
        HEAP_SLACK;
      expect(peak).toBeLessThan(bound);
      expect(rssGrowth).toBeLessThan(64 * MIB);
      groups.forEach((g, i) => expect(results[i]).toEqual(Array.from({ length: g.n }, () => g.expected)));
    },
  );
});
