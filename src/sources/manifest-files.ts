import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseManifestText, type ManifestDocument, type TextDiagnostic } from './manifest-text.js';

const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

export interface LoadedManifests {
  readonly documents: ManifestDocument[];
  readonly diagnostics: TextDiagnostic[];
  readonly files: string[];
}

/**
 * Reads manifest files and folders (recursively, *.yaml, *.yml, *.json, in name order; hidden
 * entries skipped). A path that cannot be read becomes a diagnostic, not an exception.
 */
export async function loadManifestPaths(paths: readonly string[]): Promise<LoadedManifests> {
  const documents: ManifestDocument[] = [];
  const diagnostics: TextDiagnostic[] = [];
  const files: string[] = [];
  for (const path of paths) {
    for (const file of await listManifestFiles(path, diagnostics)) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        diagnostics.push({
          file,
          line: 1,
          column: 1,
          message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
        });
        continue;
      }
      files.push(file);
      const parsed = parseManifestText(text, file);
      documents.push(...parsed.documents);
      diagnostics.push(...parsed.diagnostics);
    }
  }
  return { documents, diagnostics, files };
}

async function listManifestFiles(path: string, diagnostics: TextDiagnostic[]): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    diagnostics.push({
      file: path,
      line: 1,
      column: 1,
      message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    });
    return [];
  }
  if (!info.isDirectory()) return [path];
  const entries = (await readdir(path, { withFileTypes: true }))
    .filter((e) => !e.name.startsWith('.'))
    .sort((a, b) => a.name.localeCompare(b.name));
  const out: string[] = [];
  for (const e of entries) {
    const child = join(path, e.name);
    if (e.isDirectory()) out.push(...(await listManifestFiles(child, diagnostics)));
    else if (MANIFEST_EXTENSIONS.some((ext) => e.name.endsWith(ext))) out.push(child);
  }
  return out;
}
