/**
 * The demo's client, run inside the client namespace:
 *
 *   node client.js --url http://192.168.105.253/ [--rate 10] [--timeout-ms 1000]
 *
 * Sends one GET per tick, each on a new connection (so the scheduler places every request),
 * and writes one JSON line per finished request: `{"backend":"web1"}` or `{"error":"..."}`.
 */
import { request } from 'node:http';
import { parseArgs } from 'node:util';

/** The outcome of one request as the client prints it. */
export type ClientLine = { readonly backend: string } | { readonly error: string };

/** Parses one line of the client's output; undefined for anything else. */
export function parseClientLine(line: string): ClientLine | undefined {
  try {
    const v = JSON.parse(line) as { backend?: unknown; error?: unknown };
    if (typeof v.backend === 'string') return { backend: v.backend };
    if (typeof v.error === 'string') return { error: v.error };
  } catch {
    // not a line of ours
  }
  return undefined;
}

function once(url: string, timeoutMs: number): Promise<ClientLine> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (l: ClientLine) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(l);
    };
    const req = request(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (b: Buffer) => chunks.push(b));
      res.on('end', () =>
        finish(
          res.statusCode === 200
            ? { backend: Buffer.concat(chunks).toString().trim() }
            : { error: `HTTP ${res.statusCode ?? '?'}` },
        ),
      );
      res.on('error', (e) => finish({ error: e.message }));
    });
    const timer = setTimeout(() => {
      finish({ error: 'timeout' });
      req.destroy();
    }, timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => finish({ error: e.code ?? e.message }));
    req.end();
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      rate: { type: 'string', default: '10' },
      'timeout-ms': { type: 'string', default: '1000' },
    },
  });
  if (!values.url) throw new Error('usage: client --url URL [--rate N] [--timeout-ms MS]');
  const url = values.url;
  const timeoutMs = Number(values['timeout-ms']);
  const periodMs = 1000 / Number(values.rate);
  const started = performance.now();
  for (let i = 0; ; i++) {
    void once(url, timeoutMs).then((l) => process.stdout.write(`${JSON.stringify(l)}\n`));
    // A steady rate: the next request is due at started + (i+1) * period, whatever this one does.
    const wait = started + (i + 1) * periodMs - performance.now();
    await new Promise((r) => setTimeout(r, Math.max(0, wait)));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    process.stderr.write(`client: ${String(err)}\n`);
    process.exit(1);
  });
}
