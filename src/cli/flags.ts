import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { parseAddressWithPrefix, parseDurationMs, type ParsedPrefix, type VipPolicy } from '../api/index.js';
import { quoted } from '../core/index.js';
import { allowlistPolicy, parseAllowedProgram, type CommandPolicy } from '../net/index.js';
import {
  DEFAULT_DRAIN_POLICY,
  DEFAULT_IPVS_SYSCTLS,
  IPVS_SYSCTL_NAMES,
  canonicalAddress,
  type IpvsSysctlName,
  type ServiceKey,
} from '../ipvs/index.js';
import { UsageError } from './exit.js';

/** "host:port" → its parts ("[::1]:9400" too); port 0 picks a free one. */
export function parseListenAddress(text: string, flag = '--metrics-address'): { host: string; port: number } {
  const i = text.lastIndexOf(':');
  const port = Number(text.slice(i + 1));
  if (i < 0 || text.slice(i + 1) === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`${flag} must be host:port, got "${text}"`);
  }
  return { host: text.slice(0, i).replace(/^\[|\]$/g, '') || '0.0.0.0', port };
}

/** Flags of {@link secretOptions}, as commander gives them. */
export interface SecretFlags {
  readSecrets: string;
  secretNamespaces?: string;
}

/** How the director reads Secrets; the chart sets the environment from rbac.* values. */
export function secretOptions(cmd: Command): Command {
  return cmd
    .option(
      '--read-secrets <bool>',
      'read Secrets of type lvs.io/vrrp-auth for VRRP PASS authentication; false: groups that need one are reported SecretUnavailable (default: LVS_READ_SECRETS, or true)',
      process.env['LVS_READ_SECRETS'] || 'true',
    )
    .option(
      '--secret-namespaces <ns,...>',
      'read Secrets only in these namespaces (namespaced RBAC) (default: LVS_SECRET_NAMESPACES, or every watched namespace)',
      process.env['LVS_SECRET_NAMESPACES'] || undefined,
    );
}

/** The Secret flags, checked. */
export function parseSecretFlags(flags: SecretFlags): {
  reading: 'watch' | 'off';
  namespaces?: string[];
} {
  if (flags.readSecrets !== 'true' && flags.readSecrets !== 'false') {
    throw new UsageError(`--read-secrets must be true or false, got "${flags.readSecrets.slice(0, 40)}"`);
  }
  const namespaces = (flags.secretNamespaces ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  return {
    reading: flags.readSecrets === 'true' ? 'watch' : 'off',
    ...(namespaces.length > 0 ? { namespaces } : {}),
  };
}

/** "key=value" → [key, value], for repeatable label flags. */
export function parseLabel(text: string, flag: string): [string, string] {
  const i = text.indexOf('=');
  if (i <= 0) throw new UsageError(`${flag} must be key=value, got "${text}"`);
  return [text.slice(0, i), text.slice(i + 1)];
}

/** Commander collector for a repeatable option. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The version in package.json, found from this module upwards (source and dist alike). */
export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'lvs-operator' && pkg.version) return pkg.version;
    }
    dir = dirname(dir);
  }
  return 'unknown';
}

/** The director's kernel tuning from its flags. */
export interface DirectorTuning {
  /** IPVS sysctls to set at start; a name left out is not touched. */
  readonly ipvsSysctls: Readonly<Partial<Record<IpvsSysctlName, number>>>;
  /** Longest drain of a removed destination before it is deleted anyway. */
  readonly drainTimeoutMs: number;
  /** IPVS services to take into the ownership record (`--adopt-ipvs-service`). */
  readonly adoptIpvsServices: readonly ServiceKey[];
}

/** Flags of {@link directorTuningOptions}, as commander gives them. */
export interface DirectorTuningFlags {
  ipvsSysctl: string[];
  drainTimeout: string;
  adoptIpvsService?: string[];
}

/** Adds the director's tuning flags to `standalone` and `director`. */
export function directorTuningOptions(cmd: Command): Command {
  const defaults = IPVS_SYSCTL_NAMES.map((n) => `${n}=${DEFAULT_IPVS_SYSCTLS[n]}`).join(', ');
  return cmd
    .option(
      '--ipvs-sysctl <name=value>',
      `set net.ipv4.vs.<name> at start instead of the default (${defaults}); value "keep" leaves it alone (repeatable)`,
      collect,
      [],
    )
    .option(
      '--drain-timeout <duration>',
      "longest wait for a removed real server's connections to end before its IPVS destination is deleted (0 deletes at once)",
      `${DEFAULT_DRAIN_POLICY.drainMs / 60_000}m`,
    )
    .option(
      '--adopt-ipvs-service <proto:addr:port>',
      'take this IPVS service (tcp:10.0.0.1:80, udp:[fd00::1]:53, fwmark:7, fwmark6:7) into the ownership record ' +
        'if the kernel has it: only for services this node made before its record was lost; anything else ' +
        "unrecorded is left untouched as another tool's (repeatable)",
      collect,
      [],
    );
}

/** `--adopt-ipvs-service` text as a service key: tcp|udp|sctp:addr:port, [v6]:port, fwmark[6]:mark. */
export function parseServiceSpec(text: string, flag = '--adopt-ipvs-service'): ServiceKey {
  const usage = () =>
    new UsageError(`${flag} must be tcp|udp|sctp:address:port or fwmark[6]:mark, got "${text.slice(0, 80)}"`);
  const mark = /^fwmark(6?):(\d{1,10})$/.exec(text);
  if (mark) {
    const fwmark = Number(mark[2]);
    if (fwmark < 1 || fwmark > 0xffffffff) throw usage();
    return { kind: 'fwmark', af: mark[1] === '6' ? 'inet6' : 'inet', fwmark };
  }
  const m = /^(tcp|udp|sctp):(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const addr = canonicalAddress(m?.[2] ?? m?.[3] ?? '');
  const port = Number(m?.[4]);
  if (
    !m ||
    !addr ||
    port > 65535 ||
    (m[3] !== undefined && addr.af !== 'inet') ||
    (m[2] !== undefined && addr.af !== 'inet6')
  ) {
    throw usage();
  }
  return { kind: 'addr', af: addr.af, protocol: m[1] as 'tcp' | 'udp' | 'sctp', address: addr.address, port };
}

/** The tuning flags, checked: known sysctl names, integer values, a duration. */
export function parseDirectorTuning(flags: DirectorTuningFlags): DirectorTuning {
  const given = new Map<IpvsSysctlName, number | 'keep'>();
  for (const text of flags.ipvsSysctl) {
    const [name, value] = parseLabel(text, '--ipvs-sysctl');
    if (!(IPVS_SYSCTL_NAMES as readonly string[]).includes(name)) {
      throw new UsageError(`--ipvs-sysctl: ${name} is not one of ${IPVS_SYSCTL_NAMES.join(', ')}`);
    }
    if (value !== 'keep' && !/^\d+$/.test(value)) {
      throw new UsageError(`--ipvs-sysctl ${name} must be a non-negative integer or "keep", got "${value}"`);
    }
    given.set(name as IpvsSysctlName, value === 'keep' ? 'keep' : Number(value));
  }
  const ipvsSysctls = Object.fromEntries(
    IPVS_SYSCTL_NAMES.flatMap((n) => {
      const v = given.get(n) ?? DEFAULT_IPVS_SYSCTLS[n];
      return v === 'keep' ? [] : [[n, v]];
    }),
  ) as Partial<Record<IpvsSysctlName, number>>;
  const drainTimeoutMs = flags.drainTimeout === '0' ? 0 : parseDurationMs(flags.drainTimeout);
  if (drainTimeoutMs === undefined) {
    throw new UsageError(`--drain-timeout must be a duration such as 30s or 5m, got "${flags.drainTimeout}"`);
  }
  const adoptIpvsServices = (flags.adoptIpvsService ?? []).map((t) => parseServiceSpec(t));
  return { ipvsSysctls, drainTimeoutMs, adoptIpvsServices };
}

/**
 * The cluster director's command policy from its repeatable --allow-command flags: absolute,
 * normalised program paths; none given, no command of any object runs.
 */
export function parseCommandAllowlist(paths: readonly string[]): CommandPolicy {
  const programs: string[] = [];
  for (const text of paths) {
    const parsed = parseAllowedProgram(text);
    if (!parsed.ok) throw new UsageError(`--allow-command ${parsed.message}`);
    programs.push(parsed.program);
  }
  return allowlistPolicy(programs);
}

/** `--allow-vip` / `--deny-vip` values: CIDRs ("10.96.0.0/12") or single addresses, checked. */
function parseVipRanges(flag: string, texts: readonly string[]): ParsedPrefix[] {
  return texts.map((text) => {
    const cidr = parseAddressWithPrefix(text);
    if (!cidr) throw new UsageError(`${flag} must be an address or CIDR such as 10.96.0.0/12, got ${quoted(text)}`);
    return cidr;
  });
}

/** The node roles' flags for the cluster administrator's VIP ranges. */
export interface VipPolicyFlags {
  allowVip: string[];
  denyVip: string[];
}

/** Adds --allow-vip and --deny-vip (both repeatable) to a node role. */
export function vipPolicyOptions(cmd: Command): Command {
  return cmd
    .option(
      '--allow-vip <cidr>',
      'a range VIPs must fall in (repeatable; none given: any address the schema accepts)',
      collect,
      [],
    )
    .option(
      '--deny-vip <cidr>',
      "an address or CIDR no VrrpGroup or VirtualServer may use as a VIP, e.g. the API server's address, the Service CIDR, the node network (repeatable)",
      collect,
      [],
    );
}

/** The VIP policy from the node role's flags. */
export function parseVipPolicy(flags: VipPolicyFlags): VipPolicy {
  return { allow: parseVipRanges('--allow-vip', flags.allowVip), deny: parseVipRanges('--deny-vip', flags.denyVip) };
}
