// Writes crds/*.yaml, the Helm chart's copy (crd-manifests/, which its templates/crds.yaml renders)
// and docs/api-reference.md from the zod schemas in src/api. `npm run generate`;
// test/unit/api/crd-drift.test.ts fails when they are stale.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderApiReference, renderCrdFiles } from '../src/api/index.js';

const root = join(import.meta.dirname, '..');
const targets = [join(root, 'crds'), join(root, 'charts', 'lvs-operator', 'crd-manifests')];
for (const dir of targets) {
  mkdirSync(dir, { recursive: true });
  for (const { file, text } of renderCrdFiles()) writeFileSync(join(dir, file), text);
}
mkdirSync(join(root, 'docs'), { recursive: true });
writeFileSync(join(root, 'docs', 'api-reference.md'), renderApiReference());
console.log(
  `wrote ${renderCrdFiles().length} CRDs to crds/ and charts/lvs-operator/crd-manifests/, and docs/api-reference.md`,
);
