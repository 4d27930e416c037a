import { clip } from '../core/index.js';
import { crossCheck, formatPath, validateObject, type ManifestObject, type Severity } from '../api/index.js';
import type { ManifestDocument, TextDiagnostic } from './manifest-text.js';

/** A problem in a manifest, located and attributed, ready to print. */
export interface Diagnostic {
  readonly file: string;
  readonly line: number;
  /** "VirtualServer/web" (namespace shown when not "default"), or empty for text problems. */
  readonly object: string;
  /** "spec.addresses[0].ip", or empty. */
  readonly path: string;
  readonly message: string;
  readonly severity: Severity;
}

/** A valid object and where it came from. */
export interface LocatedObject {
  readonly object: ManifestObject;
  readonly file: string;
  readonly line: number;
}

export interface ManifestSetResult {
  /** Objects that passed every check, in input order. */
  readonly objects: LocatedObject[];
  readonly diagnostics: Diagnostic[];
}

/**
 * Validates documents one by one, then across each other. An object with an error is left out
 * of `objects`; every other object is kept (MetalLB's config parsing is the model).
 */
export function validateManifestSet(
  documents: readonly ManifestDocument[],
  textDiagnostics: readonly TextDiagnostic[] = [],
): ManifestSetResult {
  const diagnostics: Diagnostic[] = textDiagnostics.map((d) => ({
    file: d.file,
    line: d.line,
    object: '',
    path: '',
    message: d.message,
    severity: 'error',
  }));
  const valid: { object: ManifestObject; doc: ManifestDocument }[] = [];
  for (const doc of documents) {
    const result = validateObject(doc.value);
    if (result.ok) {
      valid.push({ object: result.object, doc });
      continue;
    }
    const name = objectLabel(doc.value);
    for (const issue of result.issues) {
      diagnostics.push({
        file: doc.file,
        line: doc.lineOf(issue.path),
        object: name,
        path: clip(formatPath(issue.path)),
        message: issue.message,
        severity: issue.severity,
      });
    }
  }

  const rejected = new Set<number>();
  for (const issue of crossCheck(valid.map((v) => v.object))) {
    const entry = valid[issue.index];
    if (!entry) continue;
    const other = issue.related === undefined ? undefined : valid[issue.related];
    const where = other ? ` (${other.doc.file}:${other.doc.line})` : '';
    diagnostics.push({
      file: entry.doc.file,
      line: entry.doc.lineOf(issue.path),
      object: objectLabel(entry.object),
      path: clip(formatPath(issue.path)),
      message: issue.message + where,
      severity: issue.severity,
    });
    if (issue.severity === 'error') rejected.add(issue.index);
  }
  const objects = valid
    .filter((_, i) => !rejected.has(i))
    .map((v) => ({ object: v.object, file: v.doc.file, line: v.doc.line }));
  return { objects, diagnostics };
}

/** "Kind/name", with the namespace when it is not "default"; best effort on invalid input. */
export function objectLabel(value: unknown): string {
  if (value === null || typeof value !== 'object') return '';
  const v = value as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
  // Every part is the user's text, cut to a readable length (a name may be megabytes long).
  const kind = typeof v.kind === 'string' ? clip(v.kind) : '?';
  const name = typeof v.metadata?.name === 'string' ? clip(v.metadata.name) : '?';
  const ns =
    typeof v.metadata?.namespace === 'string' && v.metadata.namespace !== 'default'
      ? `${clip(v.metadata.namespace)}/`
      : '';
  return `${kind}/${ns}${name}`;
}

/** `file:line: Kind/name: field.path: message`, the format every command prints. */
export function formatDiagnostic(d: Diagnostic): string {
  const parts = [`${d.file}:${d.line}`];
  if (d.object) parts.push(d.object);
  if (d.path) parts.push(d.path);
  parts.push(d.severity === 'warning' ? `warning: ${d.message}` : d.message);
  return parts.join(': ');
}
