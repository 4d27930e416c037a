/**
 * The JSON file `standalone-main.ts` runs: `{ "node": "...", "instances": [ ... ] }`, validated
 * with zod and normalised into {@link VrrpInstanceConfig} with keepalived's defaults. The
 * cluster and manifest-folder sources map the API schema to the same type.
 */
import { z } from 'zod';
import { command } from '../api/index.js';
import { LvsError } from '../core/errors.js';
import { canonicalIp, familyOf } from '../net/ip-codec.js';
import type { VrrpInstanceConfig, VirtualIp } from './types.js';

const argv = command();

const InstanceSchema = z.object({
  name: z.string().min(1),
  vrid: z.number().int().min(1).max(255),
  version: z.union([z.literal(2), z.literal(3)]).default(3),
  interface: z.string().min(1).max(15),
  priority: z.number().int().min(1).max(255).default(100),
  advertIntervalMs: z.number().int().min(10).max(40950).default(1000),
  preempt: z.boolean().default(false),
  preemptDelayMs: z.number().int().min(0).max(3_600_000).default(0),
  virtualIPs: z.array(z.string()).min(1),
  unicastPeers: z.array(z.string()).default([]),
  unicastSrc: z.string().optional(),
  auth: z
    .discriminatedUnion('type', [
      z.object({ type: z.literal('none') }),
      z.object({ type: z.literal('pass'), password: z.string().min(1).max(8) }),
    ])
    .default({ type: 'none' }),
  acceptMode: z.boolean().default(true),
  trackInterfaces: z
    .array(z.object({ name: z.string().min(1), weight: z.number().int().min(-254).max(254).default(0) }))
    .default([]),
  trackScripts: z
    .array(
      z.object({
        name: z.string().min(1),
        command: argv,
        intervalMs: z.number().int().min(100).default(1000),
        timeoutMs: z.number().int().min(10).default(1000),
        rise: z.number().int().min(1).default(1),
        fall: z.number().int().min(1).default(1),
        weight: z.number().int().min(-254).max(254).default(0),
      }),
    )
    .default([]),
  garp: z
    .object({
      masterDelayMs: z.number().int().min(0).default(5000),
      masterRepeat: z.number().int().min(0).max(100).default(5),
      masterRefreshMs: z.number().int().min(0).default(0),
      masterRefreshRepeat: z.number().int().min(1).max(100).default(1),
    })
    .default({ masterDelayMs: 5000, masterRepeat: 5, masterRefreshMs: 0, masterRefreshRepeat: 1 }),
  notify: z
    .object({
      master: argv.optional(),
      backup: argv.optional(),
      fault: argv.optional(),
      stop: argv.optional(),
      any: argv.optional(),
    })
    .default({}),
});

/** The standalone file. */
export const StandaloneConfigSchema = z.object({ instances: z.array(InstanceSchema).min(1) });

/** The standalone file is invalid. */
export class StandaloneConfigError extends LvsError {
  readonly issues: readonly string[];

  constructor(issues: readonly string[]) {
    super('LVS_CONFIG_INVALID', `invalid VRRP configuration: ${issues.join('; ')}`);
    this.issues = issues;
  }
}

function parseVip(text: string, family: 4 | 6, issues: string[], where: string): VirtualIp | undefined {
  const [addr = '', len] = text.split('/');
  const address = canonicalIp(addr);
  if (!address || familyOf(address) !== family) {
    issues.push(`${where}: ${text} is not an IPv${family} address`);
    return undefined;
  }
  const max = family === 4 ? 32 : 128;
  const prefixLength = len === undefined ? max : Number(len);
  if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > max) {
    issues.push(`${where}: bad prefix length in ${text}`);
    return undefined;
  }
  return { address, prefixLength };
}

/** Parses and normalises the standalone JSON (already `JSON.parse`d). */
export function parseStandaloneConfig(input: unknown): VrrpInstanceConfig[] {
  const r = StandaloneConfigSchema.safeParse(input);
  if (!r.success) throw new StandaloneConfigError(r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  const issues: string[] = [];
  const out = r.data.instances.map((i, n): VrrpInstanceConfig => {
    const where = `instances.${n}`;
    const family = familyOf(i.virtualIPs[0]?.split('/')[0] ?? '') ?? 4;
    if (i.version === 2 && family === 6) issues.push(`${where}: VRRPv2 is IPv4 only`);
    if (i.version === 2 && i.advertIntervalMs % 1000 !== 0) issues.push(`${where}: VRRPv2 intervals are whole seconds`);
    if (i.version === 3 && i.advertIntervalMs % 10 !== 0) issues.push(`${where}: VRRPv3 intervals are centiseconds`);
    if (i.version === 3 && i.auth.type !== 'none') issues.push(`${where}: VRRPv3 has no authentication (RFC 5798 §9)`);
    const virtualIPs = i.virtualIPs
      .map((v) => parseVip(v, family, issues, where))
      .filter((v): v is VirtualIp => v !== undefined);
    const peers = i.unicastPeers.map((p) => canonicalIp(p) ?? (issues.push(`${where}: bad peer ${p}`), p));
    const src = i.unicastSrc === undefined ? undefined : (canonicalIp(i.unicastSrc) ?? i.unicastSrc);
    const { unicastSrc: _u, notify, ...rest } = i;
    return {
      ...rest,
      family,
      virtualIPs,
      unicastPeers: peers,
      ...(src !== undefined ? { unicastSrc: src } : {}),
      notify: Object.fromEntries(Object.entries(notify).filter(([, v]) => v !== undefined)),
    };
  });
  if (issues.length > 0) throw new StandaloneConfigError(issues);
  return out;
}
