import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RealServerSchema, VirtualServerSchema, VrrpGroupSchema } from '../../../src/api/index.js';
import {
  exportKeepalived,
  formatDiagnostic,
  importKeepalived,
  memorySource,
  renderManifests,
  type Manifest,
} from '../../../src/keepalived/index.js';
import { parseManifestText, validateManifestSet } from '../../../src/sources/index.js';
import { FIXTURES, loadCorpus } from './corpus-fixtures.js';
import { expectGolden } from './golden.js';

const cases = loadCorpus();

/** The object as the API sees it: parsed, defaults applied. Secrets are compared as written. */
function normalised(m: Manifest): unknown {
  switch (m.kind) {
    case 'VrrpGroup':
      return VrrpGroupSchema.parse(m);
    case 'VirtualServer':
      return VirtualServerSchema.parse(m);
    case 'RealServer':
      return RealServerSchema.parse(m);
    case 'Secret':
      return m;
  }
}

describe('keepalived corpus', () => {
  it('covers at least 30 configurations, broken ones included', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    expect(cases.filter((c) => c.name.startsWith('broken-')).length).toBeGreaterThanOrEqual(10);
  });

  it.each(cases)('$name: produces exactly the expected diagnostics', (c) => {
    const result = importKeepalived(c.entry, c.reader, c.options);
    const got = result.diagnostics.map((d) => `${d.code}@${d.file === c.entry ? '' : `${d.file}:`}${d.line}`);
    expect(got).toEqual(c.expected);
  });

  it.each(cases)('$name: renders the golden manifests', (c) => {
    const result = importKeepalived(c.entry, c.reader, c.options);
    const diagnostics = result.diagnostics.map((d) => `# ${formatDiagnostic(d)}\n`).join('');
    expectGolden(
      join(FIXTURES, 'golden', `${c.name}.yaml`),
      diagnostics + renderManifests(result.objects, result.files),
    );
  });

  it.each(cases)('$name: every object passes its schema', (c) => {
    for (const { manifest } of importKeepalived(c.entry, c.reader, c.options).objects) {
      const schema =
        manifest.kind === 'VrrpGroup'
          ? VrrpGroupSchema
          : manifest.kind === 'VirtualServer'
            ? VirtualServerSchema
            : manifest.kind === 'RealServer'
              ? RealServerSchema
              : undefined;
      if (schema === undefined) {
        expect(manifest).toMatchObject({ apiVersion: 'v1', kind: 'Secret', type: 'lvs.io/vrrp-auth' });
        continue;
      }
      const res = schema.safeParse(manifest);
      expect(res.success ? [] : res.error.issues).toEqual([]);
    }
  });

  it.each(cases.filter((c) => !c.name.startsWith('broken-')))(
    '$name: the YAML passes lvsctl validate (schemas and cross-object checks)',
    (c) => {
      const result = importKeepalived(c.entry, c.reader, c.options);
      const text = renderManifests(result.objects, result.files);
      const parsed = parseManifestText(text, `${c.name}.yaml`);
      const validated = validateManifestSet(parsed.documents, parsed.diagnostics);
      expect(validated.diagnostics).toEqual([]);
      expect(parsed.documents).toHaveLength(result.objects.length);
    },
  );

  it.each(cases)('$name: import, export, import gives the same objects', (c) => {
    const first = importKeepalived(c.entry, c.reader, c.options);
    const exported = exportKeepalived(first.objects.map((o) => ({ value: o.manifest, source: o.source })));
    expect(exported.diagnostics.map(formatDiagnostic)).toEqual([]);
    const again = importKeepalived('exported.conf', memorySource({ 'exported.conf': exported.text }), {
      realServerObjects: c.options.realServerObjects,
    });
    expect(again.diagnostics.filter((d) => d.severity !== 'note').map(formatDiagnostic)).toEqual([]);
    expect(again.objects.map((o) => normalised(o.manifest))).toEqual(first.objects.map((o) => normalised(o.manifest)));
  });
});
