import { z } from 'zod';

const zArray = z.array;

/**
 * A rule that spans fields of one object. It is written once and enforced twice: as a zod
 * refinement (every entry point: lvsctl validate, the folder source, the importer) and as a
 * CEL `x-kubernetes-validations` entry in the generated CRD (the API server). Both carry the
 * same message, so users see the same words everywhere.
 */
export interface CrossFieldRule<T> {
  /** Field the message is about, relative to the object the rule sits on. */
  readonly path: readonly (string | number)[];
  /** States the problem and the fix. */
  readonly message: string;
  /** CEL over `self`, true when the object is valid. */
  readonly cel: string;
  /** The same predicate in TypeScript; sees the parsed (defaulted) value. */
  readonly holds: (value: T) => boolean;
}

export interface CelValidation {
  rule: string;
  message: string;
  fieldPath?: string;
}

/** Adds the rules to a schema as refinements and as CRD metadata. */
export function withRules<S extends z.ZodType>(schema: S, rules: readonly CrossFieldRule<z.output<S>>[]): S {
  const checked = schema.superRefine((value, ctx) => {
    for (const rule of rules) {
      if (!rule.holds(value)) ctx.addIssue({ code: 'custom', path: [...rule.path], message: rule.message });
    }
  }) as S;
  const validations: CelValidation[] = rules.map((r) => ({
    rule: r.cel,
    message: r.message,
    ...(r.path.length > 0 && r.path.every((p) => typeof p === 'string') ? { fieldPath: `.${r.path.join('.')}` } : {}),
  }));
  return checked.meta({ 'x-kubernetes-validations': validations }) as S;
}

/**
 * A list whose items are identified by one string field: duplicates are refused here and the
 * CRD marks the list as a map (`x-kubernetes-list-type: map`) so the API server refuses them too
 * and server-side apply merges items by key.
 */
export function keyedList<T extends z.ZodObject>(item: T, key: keyof z.output<T> & string, maxItems: number) {
  return zArray(item)
    .max(maxItems)
    .superRefine((items, ctx) => {
      const seen = new Set<unknown>();
      items.forEach((it, i) => {
        const k = (it as Record<string, unknown>)[key];
        if (seen.has(k)) ctx.addIssue({ code: 'custom', path: [i, key], message: `duplicate ${key} "${String(k)}"` });
        seen.add(k);
      });
    })
    .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': [key] });
}
