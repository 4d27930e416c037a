import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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

describe('FolderSource when the folder itself goes away', () => {
  it('keeps the last good state while the folder is missing, says why, and resumes when it is back', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'lvs-folder-'));
    cleanup.push(() => rmSync(parent, { recursive: true, force: true }));
    const dir = join(parent, 'manifests');
    mkdirSync(dir);
    writeFileSync(join(dir, 'web.yaml'), service('web', 'rr'));
    const registry = new Registry();
    const source = new FolderSource({
      dir,
      log: silentLogger(),
      registry,
      clock: systemClock,
      debounceMs: 20,
      retryMs: 50,
    });
    cleanup.push(() => source.stop());
    const seen: ManifestSnapshot[] = [];
    source.onChange((s) => seen.push(s));
    await source.start();
    expect(seen).toHaveLength(1);
    expect(source.unavailableReason()).toBeUndefined();

    renameSync(dir, join(parent, 'away'));
    await source.reload();
    expect(source.unavailableReason()).toBe(
      `manifest folder ${dir} unavailable (cannot read: ENOENT); keeping the last good state (1 objects)`,
    );
    expect(source.current().objects.map((o) => o.object.metadata.name)).toEqual(['web']);
    expect(seen).toHaveLength(1); // nobody was told to remove anything
    expect(await registry.getSingleMetricAsString('lvs_config_source_up')).toMatch(/lvs_config_source_up 0/);
    expect(await registry.getSingleMetricAsString('lvs_config_reloads_total')).toMatch(/result="unavailable"} [1-9]/);

    // Back, with a change: found by the retry timer (no watch survives the removal).
    renameSync(join(parent, 'away'), dir);
    writeFileSync(join(dir, 'web.yaml'), service('web', 'wlc'));
    await until('the folder back', () => (source.unavailableReason() === undefined ? true : undefined));
    await until('the change', () => seen.find((s) => JSON.stringify(s.objects).includes('"wlc"')));
    expect(await registry.getSingleMetricAsString('lvs_config_source_up')).toMatch(/lvs_config_source_up 1/);

    // Watched again: an edit after the return is seen without waiting for the resync.
    writeFileSync(join(dir, 'web.yaml'), service('web', 'sh'));
    await until('the edit after the return', () => seen.find((s) => JSON.stringify(s.objects).includes('"sh"')));
  });

  it('an existing folder without manifests means nothing desired', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lvs-folder-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'web.yaml'), service('web', 'rr'));
    const source = new FolderSource({ dir, log: silentLogger(), registry: new Registry(), clock: systemClock });
    cleanup.push(() => source.stop());
    await source.start();
    rmSync(join(dir, 'web.yaml'));
    await source.reload();
    expect(source.unavailableReason()).toBeUndefined();
    expect(source.current().objects).toEqual([]);
  });

  it('announces nothing while the folder is missing at start, then its first reading, even empty', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'lvs-folder-'));
    cleanup.push(() => rmSync(parent, { recursive: true, force: true }));
    const dir = join(parent, 'later');
    const source = new FolderSource({
      dir,
      log: silentLogger(),
      registry: new Registry(),
      clock: systemClock,
      retryMs: 30,
    });
    cleanup.push(() => source.stop());
    const seen: ManifestSnapshot[] = [];
    source.onChange((s) => seen.push(s));
    await source.start();
    expect(seen).toEqual([]);
    expect(source.unavailableReason()).toMatch(/unavailable \(cannot read: ENOENT\)/);
    mkdirSync(dir);
    await until('the first reading', () => (seen.length > 0 ? true : undefined));
    expect(seen[0]?.objects).toEqual([]);
  });

  it('a FIFO dropped into the folder is reported and the next reload does not wait for it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lvs-folder-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'web.yaml'), service('web', 'rr'));
    const source = new FolderSource({ dir, log: silentLogger(), registry: new Registry(), clock: systemClock });
    cleanup.push(() => source.stop());
    await source.start();
    execFileSync('mkfifo', [join(dir, 'pipe.yaml')]);
    await source.reload();
    await source.reload();
    expect(source.current().diagnostics.map((d) => `${d.file}: ${d.message}`)).toEqual([
      `${join(dir, 'pipe.yaml')}: not a regular file (a FIFO); not read`,
    ]);
    expect(source.current().objects.map((o) => o.object.metadata.name)).toEqual(['web']);
  });
});
