import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/core/clock.js';
import { silentLogger } from '../../../src/core/logger.js';
import { FolderSource, type ManifestSnapshot } from '../../../src/sources/index.js';

const service = (name: string, scheduler: string) => `apiVersion: lvs.io/v1alpha1
kind: VirtualServer
metadata: { name: ${name} }
spec:
  addresses: [{ ip: 10.0.0.1, port: 80 }]
  scheduler: ${scheduler}
`;

async function until<T>(what: string, fn: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

describe('FolderSource', () => {
  it('loads, hot-reloads on change, keeps the last good state on a bad edit, and counts it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lvs-folder-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'web.yaml'), service('web', 'rr'));
    const registry = new Registry();
    const source = new FolderSource({ dir, log: silentLogger(), registry, clock: systemClock, debounceMs: 50 });
    cleanup.push(() => source.stop());
    const seen: ManifestSnapshot[] = [];
    source.onChange((s) => seen.push(s));

    const first = await source.start();
    expect(first.objects.map((o) => o.object.spec)).toMatchObject([{ scheduler: 'rr' }]);

    writeFileSync(join(dir, 'web.yaml'), service('web', 'wlc'));
    await until('the edit', () => seen.find((s) => JSON.stringify(s.objects).includes('"wlc"')));

    writeFileSync(join(dir, 'web.yaml'), 'apiVersion: [');
    await until('the bad edit', () => (source.current().diagnostics.length > 0 ? true : undefined));
    expect(source.current().objects.map((o) => o.object.spec)).toMatchObject([{ scheduler: 'wlc' }]);
    expect(await registry.getSingleMetricAsString('lvs_config_stale')).toMatch(/lvs_config_stale 1/);

    writeFileSync(join(dir, 'web.yaml'), service('web', 'sh'));
    await until('the fix', () => (source.current().diagnostics.length === 0 ? true : undefined));
    expect(await registry.getSingleMetricAsString('lvs_config_stale')).toMatch(/lvs_config_stale 0/);
    expect(source.current().objects.map((o) => o.object.spec)).toMatchObject([{ scheduler: 'sh' }]);
  });

  it('does not notify when a reload changes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lvs-folder-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'web.yaml'), service('web', 'rr'));
    const source = new FolderSource({ dir, log: silentLogger(), registry: new Registry(), clock: systemClock });
    cleanup.push(() => source.stop());
    let calls = 0;
    source.onChange(() => calls++);
    await source.start();
    await source.reload();
    await source.reload();
    expect(calls).toBe(1);
  });
});
