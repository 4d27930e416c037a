import { createServer } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { FakeClock, FakeWallClock } from '../../../src/core/fake-clock.js';
import { silentLogger } from '../../../src/core/logger.js';
import { main } from '../../../src/cli/lvsctl.js';
import { statusDocument } from '../../../src/cli/status-document.js';
import { fetchStatus, statusEndpoint, StatusUnavailableError, watchStatus } from '../../../src/cli/status-command.js';
import { createRegistry, startMetricsServer, type MetricsServer } from '../../../src/metrics/index.js';
import { RecentEvents } from '../../../src/status/index.js';
import { seedStatus } from '../../support/status-document.js';

let server: MetricsServer | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await server?.close();
  server = undefined;
});

/** An agent's listener serving the /status of a standalone node of seed 000. */
async function agent(): Promise<{ url: string; events: RecentEvents }> {
  const clock = new FakeClock();
  const wallClock = new FakeWallClock(clock, Date.parse('2026-11-22T10:00:30.000Z'));
  const events = new RecentEvents(wallClock);
  const seed = seedStatus({ up111: false, weight111: 0 });
  server = await startMetricsServer({
    registry: createRegistry({ version: '1', processMetrics: false }),
    host: '127.0.0.1',
    port: 0,
    log: silentLogger(),
    documents: {
      '/status': statusDocument({
        node: 'lvs1',
        roles: ['director', 'realserver'],
        wallClock,
        report: () => ({
          items: [],
          issues: [
            {
              ref: { kind: 'VirtualServer', namespace: 'default', name: 'other' },
              reason: 'InvalidSpec',
              message: 'spec.scheduler: unknown',
            },
          ],
        }),
        parts: () => Promise.resolve({ director: seed.director, realserver: seed.realserver }),
        events,
      }),
    },
  });
  return { url: server.url, events };
}

/** Runs lvsctl with its output captured. */
async function lvsctl(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
  const code = await main(argv);
  vi.restoreAllMocks();
  return { code, out, err };
}

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as { port: number };
  await new Promise((resolve) => s.close(resolve));
  return port;
}

describe('statusEndpoint', () => {
  it.each([
    { base: 'http://127.0.0.1:9400', expected: 'http://127.0.0.1:9400/status' },
    { base: 'http://127.0.0.1:9400/', expected: 'http://127.0.0.1:9400/status' },
    { base: 'http://10.0.0.5:9400/status', expected: 'http://10.0.0.5:9400/status' },
    { base: 'https://[2001:db8::1]:9400/agent', expected: 'https://[2001:db8::1]:9400/agent/status' },
    // The chart's $(LVS_NODE_IP) on an IPv6 node: the brackets are added here.
    { base: 'http://2001:db8::1:9400', expected: 'http://[2001:db8::1]:9400/status' },
    { base: 'http://fd00::5:9400/status', expected: 'http://[fd00::5]:9400/status' },
  ])('$base → $expected', ({ base, expected }) => {
    expect(statusEndpoint(base)).toBe(expected);
  });

  it.each(['127.0.0.1:9400', 'ftp://host/x', 'not a url'])('refuses %s as a usage error', (base) => {
    expect(() => statusEndpoint(base)).toThrow(expect.objectContaining({ code: 'LVS_USAGE' }));
  });
});

describe('GET /status and lvsctl status', () => {
  it('serves the node document, which lvsctl parses as it was built', async () => {
    const { url, events } = await agent();
    events.record({
      regarding: { kind: 'VrrpGroup', namespace: 'default', name: 'vi-1' },
      type: 'Normal',
      reason: 'VipAcquired',
      note: 'lvs1 became MASTER (was Backup) and holds the VIPs',
    });
    const doc = await fetchStatus(statusEndpoint(url));
    const seed = seedStatus({ up111: false, weight111: 0 });
    expect(doc).toEqual({
      version: 1,
      node: 'lvs1',
      roles: ['director', 'realserver'],
      time: '2026-11-22T10:00:30.000Z',
      director: seed.director,
      realserver: seed.realserver,
      conditions: [
        {
          object: { kind: 'VirtualServer', namespace: 'default', name: 'other' },
          reason: 'InvalidSpec',
          message: 'spec.scheduler: unknown',
        },
      ],
      events: [
        {
          time: '2026-11-22T10:00:30.000Z',
          type: 'Normal',
          reason: 'VipAcquired',
          object: { kind: 'VrrpGroup', namespace: 'default', name: 'vi-1' },
          note: 'lvs1 became MASTER (was Backup) and holds the VIPs',
        },
      ],
    });
  });

  it('prints JSON, YAML and the table; exit 0', async () => {
    const { url } = await agent();
    const json = await lvsctl('status', '--url', url, '-o', 'json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toMatchObject({ node: 'lvs1', director: { vrrp: [{ state: 'MASTER' }] } });
    const yaml = await lvsctl('status', '--url', url, '-o', 'yaml');
    expect(parseYaml(yaml.out)).toEqual(JSON.parse(json.out));
    const table = await lvsctl('status', '--url', url);
    expect(table.code).toBe(0);
    expect(table.out).toContain('    -> 192.168.5.111:80     Route       0');
    expect(table.out).toContain('    192.168.5.111:80       DOWN         0/1');
    expect(table.out).toContain('  VirtualServer default/other  InvalidSpec: spec.scheduler: unknown');
  });

  it('takes the address from LVSCTL_STATUS_URL when --url is not given', async () => {
    const { url } = await agent();
    vi.stubEnv('LVSCTL_STATUS_URL', url);
    try {
      const r = await lvsctl('status', '-o', 'json');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out)).toMatchObject({ node: 'lvs1' });
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('an unreachable node: exit 1, the message names the URL and the error', async () => {
    const port = await closedPort();
    const endpoint = `http://127.0.0.1:${port}/status`;
    await expect(fetchStatus(endpoint)).rejects.toBeInstanceOf(StatusUnavailableError);
    const r = await lvsctl('status', '--url', `http://127.0.0.1:${port}`);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toContain(endpoint);
    expect(r.err).toContain('ECONNREFUSED');
  });

  it('a listener without /status (an older agent), or bad flags', async () => {
    server = await startMetricsServer({
      registry: createRegistry({ version: '1', processMetrics: false }),
      host: '127.0.0.1',
      port: 0,
      log: silentLogger(),
    });
    const r = await lvsctl('status', '--url', server.url);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${server.url}/status: answered 404`);
    expect((await lvsctl('status', '--url', server.url, '-o', 'wide')).code).toBe(2);
    expect((await lvsctl('status', '--url', server.url, '--watch', '--interval', 'soon')).code).toBe(2);
  });
});

describe('lvsctl status --watch', () => {
  /** Runs the watch until `n` writes, then stops it. */
  async function watch(endpoint: string, redraw: boolean, n: number): Promise<string[]> {
    const writes: string[] = [];
    const stop = new AbortController();
    await watchStatus({
      endpoint,
      output: 'json',
      view: { color: false },
      intervalMs: 100,
      redraw,
      write: (t) => {
        writes.push(t);
        if (writes.length === n) stop.abort();
      },
      signal: stop.signal,
    });
    return writes;
  }

  it('without a terminal: successive snapshots, a blank line between them', async () => {
    const { url } = await agent();
    const writes = await watch(statusEndpoint(url), false, 3);
    expect(writes).toHaveLength(3);
    expect(JSON.parse(writes[0] ?? '')).toMatchObject({ node: 'lvs1' });
    expect(writes[1]?.startsWith('\n{')).toBe(true);
    expect(JSON.parse(writes[2] ?? '')).toMatchObject({ node: 'lvs1' });
  });

  it('on a terminal: each view redrawn from the top of a cleared screen', async () => {
    const { url } = await agent();
    const writes = await watch(statusEndpoint(url), true, 2);
    for (const w of writes) expect(w.startsWith('\x1b[H\x1b[2J{')).toBe(true);
  });

  it('a node that stops answering is shown as such and asked again', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}/status`;
    const writes = await watch(endpoint, false, 2);
    expect(writes[0]).toMatch(new RegExp(`^no status from ${endpoint.replace(/[.]/g, '\\.')}: .*ECONNREFUSED`));
    expect(writes[1]).toMatch(/^\nno status from /);
  });
});
