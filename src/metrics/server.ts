import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../core/index.js';

/** Why the process is not ready yet: an empty list means ready. */
export type ReadinessProbe = () => readonly string[];

/** A JSON document served at a path (`GET /status`): built per request, serialised as is. */
export type JsonDocument = () => Promise<unknown>;

export interface MetricsServerOptions {
  readonly registry: Registry;
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  readonly log: Logger;
  /** /readyz answers 503 with the reasons while this returns any. */
  readonly readiness?: ReadinessProbe;
  /** /healthz answers 503 with the reasons while this returns any (a stuck loop, say). */
  readonly liveness?: ReadinessProbe;
  /** More paths, each answering with a JSON document (the caller keeps secrets out of it). */
  readonly documents?: Readonly<Record<string, JsonDocument>>;
}

export interface MetricsServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves /metrics (Prometheus text), /healthz, /readyz and the given JSON documents. */
export async function startMetricsServer(opts: MetricsServerOptions): Promise<MetricsServer> {
  const log = opts.log.child({ component: 'metrics-server' });
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      opts.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': opts.registry.contentType }).end(text),
        (err: unknown) => {
          log.error({ err }, 'metrics collection failed');
          res.writeHead(500).end('metrics collection failed\n');
        },
      );
      return;
    }
    const documents = opts.documents ?? {};
    const document = path !== undefined && Object.hasOwn(documents, path) ? documents[path] : undefined;
    if (document) {
      document().then(
        (body) =>
          res
            .writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
            .end(`${JSON.stringify(body)}\n`),
        (err: unknown) => {
          log.error({ err, path }, 'document not built');
          res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`${path} not available\n`);
        },
      );
      return;
    }
    const probe = path === '/readyz' ? opts.readiness : path === '/healthz' ? opts.liveness : undefined;
    if (path === '/readyz' || path === '/healthz') {
      const reasons = probe?.() ?? [];
      res
        .writeHead(reasons.length === 0 ? 200 : 503, { 'content-type': 'text/plain; charset=utf-8' })
        .end(reasons.length === 0 ? 'ok\n' : `${reasons.join('\n')}\n`);
      return;
    }
    res
      .writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
      .end(`not found: try ${['/metrics', '/healthz', '/readyz', ...Object.keys(opts.documents ?? {})].join(', ')}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${host}:${addr.port}`;
  log.info({ url, documents: Object.keys(opts.documents ?? {}) }, 'serving metrics and probes');
  return {
    url,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
