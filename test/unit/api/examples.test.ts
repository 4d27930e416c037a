import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadManifestPaths, validateManifestSet } from '../../../src/sources/index.js';

const examplesDir = join(import.meta.dirname, '..', '..', '..', 'examples');
const folders = readdirSync(examplesDir, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name);

describe('examples', () => {
  it('has one folder per seed setup, plus IPv6 and TUN', () => {
    for (const prefix of ['seed-000-', 'seed-001-', 'seed-002-', 'seed-003-', 'ipv6-', 'tun-']) {
      expect(
        folders.some((f) => f.startsWith(prefix)),
        prefix,
      ).toBe(true);
    }
  });

  it.each(folders)('%s validates with no diagnostics', async (folder) => {
    const loaded = await loadManifestPaths([join(examplesDir, folder)]);
    const result = validateManifestSet(loaded.documents, loaded.diagnostics);
    expect(result.diagnostics).toEqual([]);
    expect(result.objects.length).toBe(loaded.documents.length);
    expect(result.objects.length).toBeGreaterThan(0);
  });

  it('all of them together validate (no conflicts between examples)', async () => {
    const loaded = await loadManifestPaths([examplesDir]);
    const result = validateManifestSet(loaded.documents, loaded.diagnostics);
    expect(result.diagnostics).toEqual([]);
  });
});
