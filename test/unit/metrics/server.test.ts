import { Counter } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/logger.js';
import { createRegistry } from '../../../src/metrics/registry.js';
import { startMetricsServer, type MetricsServer } from '../../../src/metrics/server.js';

let server: MetricsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('metrics server', () => {
  it('serves /metrics from the registry it was given, and the probes', async () => {
    const registry = createRegistry({ version: '1.2.3', commit: 'abc', processMetrics: false });
    new Counter({ name: 'lvs_test_total', help: 'test', registers: [registry] }).inc(3);
    let reasons: string[] = ['ipvs: first sync pending'];
    server = await startMetricsServer({
      registry,
      host: '127.0.0.1',
      port: 0,
      log: silentLogger(),
      readiness: () => reasons,
    });

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain('lvs_test_total 3');
    expect(metrics).toContain('lvs_build_info{version="1.2.3",commit="abc"} 1');

    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const notReady = await fetch(`${server.url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.text()).toBe('ipvs: first sync pending\n');
    reasons = [];
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    expect((await fetch(`${server.url}/metrics`, { method: 'POST' })).status).toBe(405);
  });
});

describe('metrics server JSON documents', () => {
  it('serves each document at its path, built per request; a failed build is a 500', async () => {
    let n = 0;
    server = await startMetricsServer({
      registry: createRegistry({ version: '1', processMetrics: false }),
      host: '127.0.0.1',
      port: 0,
      log: silentLogger(),
      documents: {
        '/status': () => Promise.resolve({ version: 1, requests: ++n }),
        '/broken': () => Promise.reject(new Error('no table')),
      },
    });
    const first = await fetch(`${server.url}/status?x=1`);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await first.json()).toEqual({ version: 1, requests: 1 });
    expect(await (await fetch(`${server.url}/status`)).json()).toEqual({ version: 1, requests: 2 });
    const broken = await fetch(`${server.url}/broken`);
    expect(broken.status).toBe(500);
    expect(await broken.text()).toBe('/broken not available\n');
    // Only the given paths: not the object's inherited properties.
    expect((await fetch(`${server.url}/constructor`)).status).toBe(404);
    const missing = await fetch(`${server.url}/nope`);
    expect(await missing.text()).toContain('/status');
  });
});
