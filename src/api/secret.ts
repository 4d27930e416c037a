import { z } from 'zod';
import { ObjectMetaSchema } from './objects.js';

/**
 * The type a Secret must have for lvs-operator to read it in a cluster. The director lists
 * Secrets with the field selector `type=lvs.io/vrrp-auth`, so no other Secret ever reaches the
 * process. A Secret's type is immutable, so nobody can turn another team's Secret into one of
 * ours without creating a new Secret, whose content is then theirs to give.
 */
export const SECRET_TYPE = 'lvs.io/vrrp-auth';

/**
 * A core/v1 Secret, accepted in manifest folders so that standalone agents can resolve
 * `secretRef`s (VRRP passwords) without a cluster. Only what we read is checked.
 */
export const SecretSchema = z.looseObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Secret'),
  metadata: ObjectMetaSchema,
  type: z.string().optional(),
  data: z
    .record(z.string(), z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'Secret data values must be base64'))
    .optional(),
  stringData: z.record(z.string(), z.string()).optional(),
});
export type Secret = z.output<typeof SecretSchema>;

/** The decoded value of one key of a Secret, or undefined. stringData wins, as the API server merges it. */
export function secretValue(secret: Secret, key: string): string | undefined {
  const s = secret.stringData?.[key];
  if (s !== undefined) return s;
  const b = secret.data?.[key];
  return b === undefined ? undefined : Buffer.from(b, 'base64').toString('utf8');
}
