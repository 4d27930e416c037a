import type { z } from 'zod';
import { API_VERSION, KINDS, kindInfo, type LvsObject } from './objects.js';
import { SecretSchema, type Secret } from './secret.js';

export type Severity = 'error' | 'warning';

/** A problem at one field of one object. `path` is relative to the object root. */
export interface FieldIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
  readonly severity: Severity;
}

/** What a manifest turned into: one of our objects, or a Secret they may reference. */
export type ManifestObject = LvsObject | Secret;

export type ValidationResult =
  | { readonly ok: true; readonly object: ManifestObject }
  | { readonly ok: false; readonly issues: readonly FieldIssue[] };

const KIND_LIST = `${KINDS.map((k) => k.kind).join(', ')} (apiVersion ${API_VERSION}), or a v1 Secret`;

/** Validates one decoded manifest: its kind, then its schema with defaults applied. */
export function validateObject(raw: unknown): ValidationResult {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return fail([], 'a manifest must be a mapping with apiVersion, kind, metadata and spec');
  }
  const { kind, apiVersion } = raw as { kind?: unknown; apiVersion?: unknown };
  if (typeof kind !== 'string') return fail(['kind'], `kind is required: one of ${KIND_LIST}`);
  let schema: z.ZodType;
  if (kind === 'Secret' && apiVersion === 'v1') {
    schema = SecretSchema;
  } else {
    const info = kindInfo(kind);
    if (!info) return fail(['kind'], `unknown kind "${kind}": expected ${KIND_LIST}`);
    schema = info.schema;
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, object: parsed.data as ManifestObject };
  return { ok: false, issues: parsed.error.issues.flatMap(toFieldIssues) };
}

/** zod issues → our issues; an unknown key becomes one issue at that key. */
export function toFieldIssues(issue: z.core.$ZodIssue): FieldIssue[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: [...path, key], message: 'unknown field', severity: 'error' as const }));
  }
  return [{ path, message: issue.message, severity: 'error' }];
}

function fail(path: (string | number)[], message: string): ValidationResult {
  return { ok: false, issues: [{ path, message, severity: 'error' }] };
}

/** "spec.realServers[0].weight" */
export function formatPath(path: readonly (string | number)[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}
