import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../core/index.js';

/** Why the process is not ready yet: an empty list means ready. */
export type ReadinessProbe = () => readonly string[];

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
}

export interface MetricsServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves /metrics (Prometheus text), /healthz and /readyz. */
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
      .end('not found: try /metrics, /healthz, /readyz\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${host}:${addr.port}`;
  log.info({ url }, 'serving metrics and probes');
  return {
    url,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
