/**
 * The client of the end-to-end labs, run as its own process inside the client namespace (Node
 * strips the types). Every mode prints one JSON line: `burst` when done, the others on SIGTERM.
 *
 *   node traffic-client.ts burst HOST PORT N         N requests, each on a new connection
 *   node traffic-client.ts load HOST PORT C          C loops of new-connection requests
 *   node traffic-client.ts long HOST PORT C MS       C keep-alive connections, a request every MS
 *   node traffic-client.ts pace HOST PORT C MS       C streams, each opening a new connection every
 *                                                    MS whether or not earlier ones have answered
 *
 * A last argument after MS sets the per-request timeout in ms.
 *
 * `pace` measures a handover as a client sees it: requests start on a fixed clock, so a stall
 * shows as `maxGapMs` and in `maxLatencyMs` (the slowest successful request) instead of
 * slowing the client down.
 *
 * A request fails on an error, a status other than 200, or no answer within 3 s (15 s in
 * `long`). `long`
 * also counts connection resets and sockets replaced (a connection that did not survive).
 */
import { Agent, request } from 'node:http';
import type { Socket } from 'node:net';

const [mode = 'burst', host = '127.0.0.1', portText = '80', nText = '1', msText = '100', timeoutText] =
  process.argv.slice(2);
const port = Number(portText);
const n = Number(nText);
const started = performance.now();
const now = (): number => Math.round(performance.now() - started);
// A long-lived connection waits out a failover (TCP retransmits); a new one gives up sooner.
const timeoutMs = timeoutText !== undefined ? Number(timeoutText) : mode === 'long' ? 15_000 : 3000;

/** What this client prints; the labs read it back (test/e2e/guest/e2e-lab.ts). */
export interface Summary {
  ok: number;
  failed: number;
  counts: Record<string, number>;
  /** ms since start and error text of the first failures (at most 50 kept). */
  failures: { atMs: number; error: string }[];
  /** The longest time between two successful answers, and when it ended. */
  maxGapMs: number;
  maxGapEndMs: number;
  resets: number;
  socketsReplaced: number;
  elapsedMs: number;
  /** `pace` and `long`: the slowest successful request, from its start to its answer. */
  maxLatencyMs?: number;
}

const s: Summary = {
  ok: 0,
  failed: 0,
  counts: {},
  failures: [],
  maxGapMs: 0,
  maxGapEndMs: 0,
  resets: 0,
  socketsReplaced: 0,
  elapsedMs: 0,
};
let lastOk = 0;

function get(agent: Agent | false): Promise<{ body: string; socket: Socket | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: '/', agent, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () =>
        res.statusCode === 200
          ? resolve({ body, socket: req.socket ?? undefined })
          : reject(new Error(`status ${res.statusCode}`)),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

function record(body: string): void {
  const t = now();
  if (t - lastOk > s.maxGapMs) {
    s.maxGapMs = t - lastOk;
    s.maxGapEndMs = t;
  }
  lastOk = t;
  s.ok += 1;
  const name = body.trim();
  s.counts[name] = (s.counts[name] ?? 0) + 1;
}

function fail(err: unknown): void {
  s.failed += 1;
  const error = err instanceof Error ? ((err as NodeJS.ErrnoException).code ?? err.message) : String(err);
  if (error === 'ECONNRESET') s.resets += 1;
  if (s.failures.length < 50) s.failures.push({ atMs: now(), error });
}

function finish(): never {
  s.elapsedMs = now();
  process.stdout.write(`${JSON.stringify(s)}\n`);
  process.exit(0);
}

let stopping = false;
process.on('SIGTERM', () => {
  stopping = true;
  // In-flight requests get a moment to finish; they count as they end.
  setTimeout(finish, mode === 'burst' ? 0 : 200);
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function burst(): Promise<void> {
  for (let i = 0; i < n; i++) {
    try {
      record((await get(false)).body);
    } catch (err) {
      fail(err);
    }
  }
  finish();
}

async function loadLoop(): Promise<void> {
  while (!stopping) {
    try {
      record((await get(false)).body);
    } catch (err) {
      fail(err);
      await sleep(50);
    }
  }
}

function paceStream(intervalMs: number): void {
  s.maxLatencyMs = 0;
  const timer = setInterval(() => {
    if (stopping) return clearInterval(timer);
    const t0 = performance.now();
    get(false).then((r) => {
      s.maxLatencyMs = Math.max(s.maxLatencyMs ?? 0, Math.round(performance.now() - t0));
      record(r.body);
    }, fail);
  }, intervalMs);
}

async function longLoop(intervalMs: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1, keepAliveMsecs: 1000 });
  let socket: Socket | undefined;
  while (!stopping) {
    const t0 = performance.now();
    try {
      const r = await get(agent);
      if (socket !== undefined && r.socket !== socket) s.socketsReplaced += 1;
      socket = r.socket;
      // The longest a request waited on its connection: the stall a failover caused.
      s.maxLatencyMs = Math.max(s.maxLatencyMs ?? 0, Math.round(performance.now() - t0));
      record(r.body);
    } catch (err) {
      fail(err);
    }
    await sleep(Math.max(0, intervalMs - (performance.now() - t0)));
  }
}

if (mode === 'burst') void burst();
else if (mode === 'load') for (let i = 0; i < n; i++) void loadLoop();
else if (mode === 'long') for (let i = 0; i < n; i++) void longLoop(Number(msText));
else if (mode === 'pace') for (let i = 0; i < n; i++) paceStream(Number(msText));
else {
  process.stderr.write(`unknown mode ${mode}\n`);
  process.exit(2);
}
process.stdout.write('started\n');
