import { z } from 'zod';
import { DURATION_PATTERN, parseDurationMs } from './duration.js';
import { parseAddressWithPrefix, parseIP } from './address.js';
import { withRules } from './rules.js';

/** Bounds that keep CEL's cost estimate finite (the API server rejects unbounded rules). */
export const MAX_LIST = 256;
export const MAX_NAME = 253;
export const MAX_TEXT = 4096;

/** A DNS-1123 subdomain, as Kubernetes object names are. */
export const objectName = () =>
  z
    .string()
    .min(1, 'must not be empty')
    .max(MAX_NAME)
    .regex(
      /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
      'must be a DNS-1123 name: lower-case letters, digits, "-" and ".", starting and ending with a letter or digit',
    );

/** A Linux interface name (IFNAMSIZ is 16 including the NUL). */
export const interfaceName = () =>
  z
    .string()
    .min(1)
    .max(15, 'interface names have at most 15 characters (IFNAMSIZ)')
    .regex(/^[^\s/:]+$/, 'interface names contain no spaces, "/" or ":"');

/** An IPv4 or IPv6 address, no prefix. */
export const ipAddress = () =>
  z
    .string()
    .max(45)
    .refine((s) => parseIP(s) !== undefined, {
      message: 'must be an IPv4 or IPv6 address, e.g. 192.0.2.10 or 2001:db8::10',
    });

/** An address with an optional prefix length ("10.0.0.1/24"); without one it is a host address. */
export const addressWithPrefix = () =>
  z
    .string()
    .max(49)
    .refine((s) => parseAddressWithPrefix(s) !== undefined, {
      message: 'must be an IPv4 or IPv6 address with an optional prefix length, e.g. 192.0.2.10/24',
    });

export const port = () => z.int().min(0).max(65535);

/**
 * A duration string ("1s", "100ms", "1m30s") within [minMs, maxMs].
 * The bounds are checked here and, for the API server, by the pattern and CEL rules on the owner.
 */
export const duration = (minMs: number, maxMs: number) =>
  z
    .string()
    .max(32)
    .regex(new RegExp(DURATION_PATTERN), 'must be a duration such as "500ms", "1s" or "1m30s"')
    .refine(
      (s) => {
        const ms = parseDurationMs(s);
        return ms !== undefined && ms >= minMs && ms <= maxMs;
      },
      { message: `must be between ${fmt(minMs)} and ${fmt(maxMs)}` },
    );

function fmt(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${ms / 1000}s`;
}

export const labelMap = () =>
  z.record(z.string().max(317), z.string().max(63)).describe('Label keys and values, as in metadata.labels.');

/** metav1.LabelSelector. An empty selector matches everything. */
export const labelSelector = () =>
  z
    .strictObject({
      matchLabels: labelMap().optional(),
      matchExpressions: z
        .array(
          z.strictObject({
            key: z.string().min(1).max(317).describe('Label key.'),
            operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']).describe('How the key relates to the values.'),
            values: z.array(z.string().max(63)).max(MAX_LIST).optional().describe('Values for In and NotIn.'),
          }),
        )
        .max(32)
        .optional(),
    })
    .describe('A Kubernetes label selector: matchLabels and matchExpressions, all of which must match.');

/** A key in a Secret of the object's own namespace. */
export const secretKeyRef = () =>
  z
    .strictObject({
      name: objectName().describe('Name of the Secret, in the namespace of this object.'),
      key: z.string().min(1).max(MAX_NAME).describe('Key within the Secret.'),
    })
    .describe('A key of a Secret in the same namespace.');

/** A Kubernetes condition (metav1.Condition). */
export const condition = () =>
  z.strictObject({
    type: z.string().max(316),
    status: z.enum(['True', 'False', 'Unknown']),
    reason: z.string().max(1024),
    message: z.string().max(32768),
    lastTransitionTime: z.string().max(64),
    observedGeneration: z.int().min(0).optional(),
  });

/**
 * Marks a status list as a map for server-side apply, so that writers with different field
 * managers (one per node) each own their own items instead of replacing the whole list.
 */
export const listMapKeys = (...keys: string[]) => ({
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': keys,
});

export const conditions = () =>
  z
    .array(condition())
    .max(32)
    .meta(listMapKeys('type'))
    .describe('Standard conditions: Ready, Degraded, Conflict, Invalid.');

/** At most this many argv elements in a command (program included). */
export const MAX_COMMAND_ARGS = 64;
/** At most this many characters in one argv element. */
export const MAX_COMMAND_ARG = MAX_TEXT;
/**
 * No C0 control character (NUL, tab, newline, escape ...) nor DEL in an argv element: execve
 * cuts a string at NUL, and the others only ever serve to forge log lines or confuse a script
 * that reads its arguments. The same source is the CRD's pattern (RE2 reads \x escapes).
 */
// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const CONTROL_FREE = /^[^\x00-\x1f\x7f]*$/;

/** What is wrong with an argv, checked the same way by the schema and the process runner. */
export function argvProblem(argv: readonly string[]): { index: number; message: string } | undefined {
  if (argv.length === 0) return { index: 0, message: 'a command needs at least the program path' };
  if (argv.length > MAX_COMMAND_ARGS) {
    return { index: MAX_COMMAND_ARGS, message: `a command has at most ${MAX_COMMAND_ARGS} elements` };
  }
  if (argv[0] === '') return { index: 0, message: 'the program must not be empty' };
  for (const [index, arg] of argv.entries()) {
    if (arg.length > MAX_COMMAND_ARG) {
      return { index, message: `an argument has at most ${MAX_COMMAND_ARG} characters` };
    }
    if (!CONTROL_FREE.test(arg)) {
      return { index, message: 'must not contain control characters (NUL, tab, newline, ...)' };
    }
  }
  return undefined;
}

/**
 * A command run by the agent: argv form, no shell. The program may be a bare name (standalone
 * searches PATH, as keepalived does); in a cluster only allowlisted absolute paths run
 * (docs/security.md).
 */
export const command = () =>
  withRules(
    z
      .array(
        z
          .string()
          .max(MAX_COMMAND_ARG)
          .regex(CONTROL_FREE, 'must not contain control characters (NUL, tab, newline, ...)'),
      )
      .min(1, 'a command needs at least the program path')
      .max(MAX_COMMAND_ARGS),
    [
      {
        path: [0],
        message: 'the program must not be empty',
        cel: "size(self) == 0 || self[0] != ''",
        holds: (argv: string[]) => argv.length === 0 || argv[0] !== '',
      },
    ],
  ).describe('Program and arguments, run without a shell.');
