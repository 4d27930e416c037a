import { stringify } from 'yaml';
import type { ImportedObject } from './model.js';

/** One rendered object: a file name for --out DIR and the YAML text with its source comment. */
export interface RenderedObject {
  readonly fileName: string;
  readonly text: string;
}

/** `# source: keepalived.conf:12` and the object as YAML. */
export function renderObject(obj: ImportedObject): RenderedObject {
  const { manifest, source } = obj;
  const body = stringify(manifest, { lineWidth: 0, aliasDuplicateObjects: false });
  return {
    fileName: `${manifest.kind.toLowerCase()}-${manifest.metadata.name}.yaml`,
    text: `# source: ${source.file}:${source.line}\n${body}`,
  };
}

/** Multi-document YAML of every object, headed by the files it came from. */
export function renderManifests(objects: readonly ImportedObject[], files: readonly string[]): string {
  const header = `# Imported from ${files.join(', ')} by lvsctl import.\n`;
  return header + objects.map((o) => `---\n${renderObject(o).text}`).join('');
}
