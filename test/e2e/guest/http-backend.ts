/**
 * A web backend for the end-to-end labs, run as its own process inside a backend namespace
 * (Node strips the types): `node http-backend.ts NAME DOCROOT PORT`.
 *
 * - `GET /health_check.html` answers 200 while DOCROOT/health_check.html exists, 404 once it is
 *   renamed (how the seed 000 test takes a backend out of service);
 * - any other path answers 200 with `NAME\n`, so a client can tell the backends apart.
 *
 * Keep-alive is on, so long-lived client connections stay on one backend.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

const [name = 'backend', docroot = '.', port = '80'] = process.argv.slice(2);

const server = createServer((req, res) => {
  if (req.url === '/health_check.html') {
    const ok = existsSync(join(docroot, 'health_check.html'));
    res.writeHead(ok ? 200 : 404, { 'content-type': 'text/plain' });
    res.end(ok ? 'ok\n' : 'missing\n');
    return;
  }
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(`${name}\n`);
});
server.keepAliveTimeout = 600_000;
server.listen(Number(port), '0.0.0.0', () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => process.exit(0));
