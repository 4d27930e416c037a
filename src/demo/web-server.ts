/**
 * A tiny web backend for the demo, run inside a backend's namespace:
 *
 *   node web-server.js --name web1 --root DIR [--port 80]
 *
 * `/` answers with the backend's name (the client counts responses per backend by it), and
 * `/health_check.html` is served from DIR only while the file exists there, so renaming it
 * drains the backend exactly as the seed 000 write-up does by hand.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

/** Starts the server; resolves once it listens. */
export async function startWebServer(opts: { name: string; root: string; port: number }): Promise<void> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    res.setHeader('connection', 'close');
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`${opts.name}\n`);
      return;
    }
    if (path === '/health_check.html') {
      readFile(join(opts.root, 'health_check.html')).then(
        (body) => res.writeHead(200, { 'content-type': 'text/html' }).end(body),
        () => res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n'),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '0.0.0.0', resolve);
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { name: { type: 'string' }, root: { type: 'string' }, port: { type: 'string', default: '80' } },
  });
  if (!values.name || !values.root) throw new Error('usage: web-server --name NAME --root DIR [--port 80]');
  await startWebServer({ name: values.name, root: values.root, port: Number(values.port) });
  process.stdout.write(`listening ${values.name}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    process.stderr.write(`web-server: ${String(err)}\n`);
    process.exit(1);
  });
}
