// Writes crds/*.yaml (and the Helm chart's copy) from the zod schemas in src/api.
// `npm run generate`; test/unit/api/crd-drift.test.ts fails when the files are stale.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderCrdFiles } from '../src/api/crd-render.js';

const root = join(import.meta.dirname, '..');
const targets = [join(root, 'crds'), join(root, 'charts', 'lvs-operator', 'crds')];
for (const dir of targets) {
  mkdirSync(dir, { recursive: true });
  for (const { file, text } of renderCrdFiles()) writeFileSync(join(dir, file), text);
}
console.log(`wrote ${renderCrdFiles().length} CRDs to ${targets.map((t) => t.slice(root.length + 1)).join(', ')}`);
