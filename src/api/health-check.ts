import { z } from 'zod';
import { command, duration, interfaceName, ipAddress, MAX_TEXT, port, secretKeyRef } from './primitives.js';
import { withRules, type CrossFieldRule } from './rules.js';

export const HEALTH_CHECK_TYPES = ['HTTP', 'HTTPS', 'TCP', 'SMTP', 'DNS', 'UDP', 'PING', 'MISC', 'FILE'] as const;
export type HealthCheckType = (typeof HEALTH_CHECK_TYPES)[number];

/** keepalived's per-type defaults (keepalived/check/check_*.c), resolved at normalisation. */
export const HEALTH_CHECK_TYPE_DEFAULTS: Readonly<
  Record<HealthCheckType, { readonly retry: number; readonly delayBeforeRetryMs: number }>
> = {
  HTTP: { retry: 1, delayBeforeRetryMs: 3000 },
  HTTPS: { retry: 1, delayBeforeRetryMs: 3000 },
  TCP: { retry: 1, delayBeforeRetryMs: 1000 },
  SMTP: { retry: 1, delayBeforeRetryMs: 1000 },
  DNS: { retry: 3, delayBeforeRetryMs: 1000 },
  UDP: { retry: 1, delayBeforeRetryMs: 1000 },
  PING: { retry: 1, delayBeforeRetryMs: 1000 },
  MISC: { retry: 0, delayBeforeRetryMs: 1000 },
  FILE: { retry: 1, delayBeforeRetryMs: 1000 },
};

const STATUS_CODES = /^[1-5][0-9][0-9](-[1-5][0-9][0-9])?$/;

export const HttpUrlSchema = z.strictObject({
  path: z.string().min(1).max(MAX_TEXT).startsWith('/', 'must start with "/"').describe('Request path (url path).'),
  statusCodes: z
    .array(z.string().max(7).regex(STATUS_CODES, 'must be a status code or a range such as "200-299"'))
    .max(32)
    .optional()
    .describe('Accepted status codes or ranges (status_code); default 200-299.'),
  digest: z
    .string()
    .regex(/^[0-9a-fA-F]{32}$/, 'must be the 32 hex digits of an MD5 digest, as genhash prints')
    .optional()
    .describe('MD5 of the response body (digest), as keepalived genhash computes it.'),
  regex: z.string().max(1024).optional().describe('A regular expression the body must match (regex).'),
  regexNoMatch: z.boolean().default(false).describe('Invert regex: the body must NOT match (regex_no_match).'),
  virtualhost: z.string().max(253).optional().describe('Host header for this url (virtualhost).'),
});

export const HttpCheckSchema = z.strictObject({
  urls: z
    .array(HttpUrlSchema)
    .min(1, 'an HTTP check needs at least one url')
    .max(32)
    .describe('One or more url blocks; all must pass.'),
  virtualhost: z.string().max(253).optional().describe('Host header for every url without its own (virtualhost).'),
  httpVersion: z
    .enum(['1.0', '1.1'])
    .default('1.0')
    .describe('HTTP version of the request (http_protocol); keepalived sends 1.0.'),
  tls: z
    .strictObject({
      serverName: z.string().max(253).optional().describe('SNI server name (enable_sni); defaults to the virtualhost.'),
      verify: z
        .boolean()
        .default(false)
        .describe('Verify the certificate chain and name; keepalived does not by default.'),
      caFile: z.string().max(MAX_TEXT).optional().describe('PEM CA bundle on the node (standalone).'),
      caSecretRef: secretKeyRef().optional().describe('PEM CA bundle in a Secret (cluster mode).'),
    })
    .optional()
    .describe('TLS options, for type HTTPS (SSL_GET).'),
});

export const SmtpCheckSchema = z.strictObject({
  heloName: z.string().max(253).default('smtpchecker.keepalived.org').describe('Name sent in HELO/EHLO (helo_name).'),
  greeting: z.enum(['HELO', 'EHLO']).default('HELO').describe('Greeting command; keepalived sends HELO.'),
});

export const DnsCheckSchema = z.strictObject({
  queryType: z
    .enum(['A', 'AAAA', 'NS', 'CNAME', 'SOA', 'MX', 'TXT', 'PTR'])
    .default('SOA')
    .describe('Query type (type).'),
  name: z.string().max(253).default('.').describe('Name to query (name); an answer is required.'),
});

export const UdpCheckSchema = z.strictObject({
  payload: z
    .string()
    .regex(/^([0-9a-fA-F]{2})*$/, 'must be hex digits, two per byte')
    .max(2048)
    .optional()
    .describe('Datagram to send, hex (payload).'),
  requireReply: z
    .boolean()
    .default(false)
    .describe('Require a reply (require_reply); otherwise only an ICMP unreachable marks it down.'),
  replyPayload: z
    .string()
    .regex(/^([0-9a-fA-F]{2})*$/, 'must be hex digits, two per byte')
    .max(2048)
    .optional()
    .describe('The reply must start with these bytes, hex.'),
  minReplyLength: z.int().min(0).max(65507).optional().describe('Shortest acceptable reply (min_reply_length).'),
  maxReplyLength: z.int().min(0).max(65507).optional().describe('Longest acceptable reply (max_reply_length).'),
});

export const MiscCheckSchema = z.strictObject({
  command: command().describe('Program and arguments (misc_path), run without a shell.'),
  dynamic: z.boolean().default(false).describe('misc_dynamic: exit 0 up, 1 down, 2-255 up with weight exit-2.'),
  user: z.string().max(64).optional().describe('Run as this user (user).'),
});

export const FileCheckSchema = z.strictObject({
  path: z.string().min(1).max(MAX_TEXT).describe('File holding an integer (track_file).'),
  weight: z
    .int()
    .min(-254)
    .max(254)
    .default(0)
    .describe('0: any non-zero value means down. Otherwise the value times weight is added to the weight.'),
  reverse: z.boolean().default(false).describe('Negate the value first (reverse).'),
});

const HealthCheckBase = z.strictObject({
  type: z
    .enum(HEALTH_CHECK_TYPES)
    .describe('Checker: HTTP (HTTP_GET), HTTPS (SSL_GET), TCP, SMTP, DNS, UDP, PING, MISC, FILE.'),
  interval: duration(10, 86_400_000).default('60s').describe('Time between checks (delay_loop); default 60s.'),
  timeout: duration(10, 3_600_000)
    .default('5s')
    .describe('Connect/response timeout (connect_timeout, misc_timeout); default 5s.'),
  retry: z
    .int()
    .min(0)
    .max(100)
    .optional()
    .describe('Failed attempts before down (retry); default 1, 3 for DNS, 0 for MISC.'),
  delayBeforeRetry: duration(0, 3_600_000)
    .optional()
    .describe('Pause between retries (delay_before_retry); default 3s for HTTP/HTTPS, else 1s.'),
  warmup: duration(0, 86_400_000)
    .optional()
    .describe('Random delay before the first check, at most this (warmup); default the interval.'),
  connectIP: ipAddress().optional().describe('Address to check instead of the real server (connect_ip).'),
  connectPort: port().optional().describe('Port to check instead of the real server port (connect_port).'),
  bindTo: ipAddress().optional().describe('Source address of the check (bindto).'),
  bindInterface: interfaceName().optional().describe('Source interface of the check (bind_if).'),
  http: HttpCheckSchema.optional(),
  smtp: SmtpCheckSchema.optional(),
  dns: DnsCheckSchema.optional(),
  udp: UdpCheckSchema.optional(),
  misc: MiscCheckSchema.optional(),
  file: FileCheckSchema.optional(),
});

type HealthCheckBaseOut = z.output<typeof HealthCheckBase>;

/** Each type's settings block: required for its type, refused on others. */
const SETTINGS_BLOCKS = [
  { block: 'http', types: ['HTTP', 'HTTPS'] },
  { block: 'smtp', types: ['SMTP'] },
  { block: 'dns', types: ['DNS'] },
  { block: 'udp', types: ['UDP'] },
  { block: 'misc', types: ['MISC'] },
  { block: 'file', types: ['FILE'] },
] as const;
const OPTIONAL_BLOCKS: ReadonlySet<string> = new Set(['smtp', 'dns', 'udp']);

const healthCheckRules: CrossFieldRule<HealthCheckBaseOut>[] = [
  ...SETTINGS_BLOCKS.flatMap(({ block, types }): CrossFieldRule<HealthCheckBaseOut>[] => {
    const list = types.map((t) => `'${t}'`).join(', ');
    const celIn = `self.type in [${list}]`;
    const rules: CrossFieldRule<HealthCheckBaseOut>[] = [
      {
        path: [block],
        message: `${block} settings apply only to type ${types.join(' or ')}`,
        cel: `!has(self.${block}) || ${celIn}`,
        holds: (c) => c[block] === undefined || (types as readonly string[]).includes(c.type),
      },
    ];
    if (!OPTIONAL_BLOCKS.has(block)) {
      rules.push({
        path: [block],
        message: `type ${types.join('/')} needs a ${block} block`,
        cel: `!(${celIn}) || has(self.${block})`,
        holds: (c) => !(types as readonly string[]).includes(c.type) || c[block] !== undefined,
      });
    }
    return rules;
  }),
  {
    path: ['http', 'tls'],
    message: 'tls settings apply only to type HTTPS',
    cel: "!has(self.http) || !has(self.http.tls) || self.type == 'HTTPS'",
    holds: (c) => c.http?.tls === undefined || c.type === 'HTTPS',
  },
  {
    path: ['udp', 'maxReplyLength'],
    message: 'maxReplyLength must not be smaller than minReplyLength',
    cel: '!has(self.udp) || !has(self.udp.minReplyLength) || !has(self.udp.maxReplyLength) || self.udp.minReplyLength <= self.udp.maxReplyLength',
    holds: (c) =>
      c.udp?.minReplyLength === undefined ||
      c.udp.maxReplyLength === undefined ||
      c.udp.minReplyLength <= c.udp.maxReplyLength,
  },
];

/** One health check of a real server (a keepalived checker block). */
export const HealthCheckSchema = withRules(HealthCheckBase, healthCheckRules).describe(
  'A health check of a real server; a server is up only when all of its checks pass.',
);
export type HealthCheck = z.output<typeof HealthCheckSchema>;
export type HealthCheckInput = z.input<typeof HealthCheckSchema>;

export const HealthChecksSchema = z.array(HealthCheckSchema).max(16);
