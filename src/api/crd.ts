import { z } from 'zod';
import { API_VERSION, GROUP, KINDS, VERSION, type KindInfo } from './objects.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

const SAFE_MIN = Number.MIN_SAFE_INTEGER;
const SAFE_MAX = Number.MAX_SAFE_INTEGER;
/** JSON Schema keywords that a structural CRD schema does not allow. */
const DROPPED_KEYS = new Set(['$schema', 'propertyNames', 'id', '$id']);

/**
 * Turns zod's OpenAPI 3.0 output into a structural schema the API server accepts: no
 * `additionalProperties: false` (pruning drops unknown fields instead), integers typed as
 * such, no unbounded safe-integer limits, no keywords CRDs reject.
 */
export function toStructural(node: Json): Json {
  if (Array.isArray(node)) return node.map(toStructural);
  if (node === null || typeof node !== 'object') return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (DROPPED_KEYS.has(key)) continue;
    if (key === 'additionalProperties' && value === false) continue;
    if ((key === 'minimum' && value === SAFE_MIN) || (key === 'maximum' && value === SAFE_MAX)) continue;
    // CEL rules and list-type markers are copied verbatim.
    out[key] = key.startsWith('x-kubernetes-') || key === 'default' || key === 'enum' ? value : toStructural(value);
  }
  const en = out['enum'];
  if (out['type'] === 'number' && Array.isArray(en) && en.every((v) => Number.isInteger(v))) out['type'] = 'integer';
  return out;
}

/** The OpenAPI v3 schema of one zod schema, as the API server needs it. */
export function openApiSchema(schema: z.ZodType): JsonObject {
  const raw = z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io: 'input',
    unrepresentable: 'throw',
    reused: 'inline',
  });
  return toStructural(raw as Json) as JsonObject;
}

/** The CustomResourceDefinition of one kind. */
export function crdFor(info: KindInfo): JsonObject {
  const spec = openApiSchema(info.spec);
  const status = openApiSchema(info.status);
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${info.plural}.${GROUP}`,
      labels: { 'app.kubernetes.io/name': 'lvs-operator', 'app.kubernetes.io/part-of': 'lvs-operator' },
    },
    spec: {
      group: GROUP,
      names: {
        kind: info.kind,
        listKind: `${info.kind}List`,
        plural: info.plural,
        singular: info.singular,
        shortNames: info.shortNames,
        categories: ['lvs'],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: info.printerColumns.map((c) => ({ ...c }) as JsonObject),
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: info.description,
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string', description: `${API_VERSION}` },
                kind: { type: 'string', description: info.kind },
                metadata: { type: 'object' },
                spec,
                status: { ...status, description: `Observed state of the ${info.kind}, written by lvs-operator.` },
              },
            },
          },
        },
      ],
    },
  };
}

/** Every CRD, keyed by the file name it is written to. */
export function allCrds(): { file: string; crd: JsonObject }[] {
  return KINDS.map((info) => ({ file: `${GROUP}_${info.plural}.yaml`, crd: crdFor(info) }));
}
