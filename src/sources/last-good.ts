import { isAbsolute, relative, sep } from 'node:path';
import type { ManifestObject } from '../api/index.js';
import type { ManifestDocument } from './manifest-text.js';
import { validateManifestSet, type Diagnostic, type LocatedObject } from './manifest-set.js';

/** What a manifest folder currently means: the objects to act on and what is wrong. */
export interface ManifestSnapshot {
  readonly objects: readonly LocatedObject[];
  readonly diagnostics: readonly Diagnostic[];
  /** Objects that are invalid now and stand in with their last good version. */
  readonly stale: readonly string[];
}

export const EMPTY_SNAPSHOT: ManifestSnapshot = { objects: [], diagnostics: [], stale: [] };

const identity = (o: ManifestObject) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;

/**
 * Validates a new reading of the folder and keeps the last good version of whatever it broke:
 * - a file with a YAML error, or that cannot be read (not a regular file, too large, not
 *   UTF-8, an alias bomb...), keeps all of its previous objects, and so does every file under
 *   a subfolder that cannot be listed;
 * - an object that no longer validates keeps its previous version;
 * - an object that is gone from a readable file is gone.
 * So a typo never removes a service or a VIP; deleting the object does. (MetalLB keeps its
 * last good config the same way, but for the whole config.)
 */
export function mergeWithLastGood(
  previous: ManifestSnapshot,
  documents: readonly ManifestDocument[],
  textDiagnostics: Parameters<typeof validateManifestSet>[1],
): ManifestSnapshot {
  const current = validateManifestSet(documents, textDiagnostics);
  const broken = [...new Set((textDiagnostics ?? []).map((d) => d.file))];
  const validIds = new Set(current.objects.map((o) => identity(o.object)));
  const invalidIds = new Set<string>();
  for (const doc of documents) {
    const v = doc.value as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } } | null;
    if (v && typeof v.kind === 'string' && typeof v.metadata?.name === 'string') {
      const id = `${v.kind}/${typeof v.metadata.namespace === 'string' ? v.metadata.namespace : 'default'}/${v.metadata.name}`;
      if (!validIds.has(id)) invalidIds.add(id);
    }
  }
  const keep = previous.objects.filter((p) => {
    const id = identity(p.object);
    if (validIds.has(id)) return false;
    return broken.some((b) => isUnder(p.file, b)) || invalidIds.has(id);
  });
  if (keep.length === 0) return { objects: current.objects, diagnostics: current.diagnostics, stale: [] };
  // Re-run the cross-object checks with the stand-ins, so they cannot collide with new objects.
  const merged = validateManifestSet(
    [...current.objects, ...keep].map((o) => locatedDocument(o)),
    textDiagnostics,
  );
  const schemaDiagnostics = current.diagnostics.filter((d) => !merged.diagnostics.includes(d));
  return {
    objects: merged.objects,
    diagnostics: dedupe([...schemaDiagnostics, ...merged.diagnostics]),
    stale: keep.map((k) => identity(k.object)),
  };
}

function locatedDocument(o: LocatedObject): ManifestDocument {
  return { file: o.file, line: o.line, value: o.object, lineOf: () => o.line };
}

function dedupe(list: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    const k = JSON.stringify(d);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** True when `file` is `path` or lies under the folder `path`. */
export function isUnder(file: string, path: string): boolean {
  if (file === path) return true;
  const rel = relative(path, file);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}
