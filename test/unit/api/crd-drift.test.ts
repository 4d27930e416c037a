import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  crdFor,
  kindInfo,
  KINDS,
  openApiSchema,
  renderApiReference,
  renderCrdFiles,
  withRules,
} from '../../../src/api/index.js';

const root = join(import.meta.dirname, '..', '..', '..');

describe('generated CRDs', () => {
  it.each(['crds', 'charts/lvs-operator/crd-manifests'])('%s/ matches the schemas (run `npm run generate`)', (dir) => {
    const expected = renderCrdFiles();
    const present = readdirSync(join(root, dir))
      .filter((f) => f.endsWith('.yaml'))
      .sort();
    expect(present).toEqual(expected.map((e) => e.file).sort());
    for (const { file, text } of expected) {
      expect(readFileSync(join(root, dir, file), 'utf8'), `${dir}/${file} is stale`).toBe(text);
    }
  });

  it('docs/api-reference.md matches the schemas (run `npm run generate`)', () => {
    expect(readFileSync(join(root, 'docs', 'api-reference.md'), 'utf8')).toBe(renderApiReference());
  });

  it('notices a schema change (the drift check is not vacuous)', () => {
    const info = KINDS[0];
    expect(info).toBeDefined();
    if (!info) return;
    const changed = { ...info, spec: (info.spec as z.ZodObject).extend({ extra: z.string() }) };
    expect(JSON.stringify(crdFor(changed))).not.toBe(JSON.stringify(crdFor(info)));
  });

  it.each(KINDS.map((k) => [k.kind, k] as const))(
    '%s is structural: no refs, no additionalProperties: false, typed nodes',
    (_kind, info) => {
      const walk = (node: unknown, path: string): void => {
        if (node === null || typeof node !== 'object') return;
        const o = node as Record<string, unknown>;
        expect(o['$ref'], path).toBeUndefined();
        expect(o['additionalProperties'], path).not.toBe(false);
        expect(o['anyOf'], path).toBeUndefined();
        if ('properties' in o || 'items' in o) expect(o['type'], path).toBeDefined();
        for (const [k, v] of Object.entries(o))
          if (!k.startsWith('x-kubernetes-') && k !== 'default') walk(v, `${path}.${k}`);
      };
      walk(crdFor(info), info.kind);
    },
  );

  it('carries every cross-field rule as CEL with the same message', () => {
    const rule = { path: ['a'], message: 'a must be b', cel: 'self.a == self.b', holds: () => true };
    const schema = openApiSchema(withRules(z.strictObject({ a: z.string(), b: z.string() }), [rule]));
    expect(schema['x-kubernetes-validations']).toEqual([
      { rule: 'self.a == self.b', message: 'a must be b', fieldPath: '.a' },
    ]);
  });

  it('has short names, categories, printer columns and the status subresource', () => {
    const vs = crdFor(kindInfo('VirtualServer') ?? expect.unreachable()) as { spec: Record<string, unknown> };
    expect(vs.spec).toMatchObject({
      names: { shortNames: ['vs'], categories: ['lvs'] },
      versions: [{ subresources: { status: {} } }],
    });
  });
});
