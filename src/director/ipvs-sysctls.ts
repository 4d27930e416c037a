import type { Logger } from '../core/index.js';
import {
  IPVS_SYSCTLS_PATH,
  ipvsSysctlPath,
  planIpvsSysctls,
  type IpvsSysctlChange,
  type IpvsSysctlName,
} from '../ipvs/index.js';
import type { Sysctls } from '../net/index.js';
import type { DirectorMetrics } from './metrics.js';

/** Where the IPVS sysctls live; named in the report when it is missing. */
export const IPVS_SYSCTL_DIR = '/proc/sys/net/ipv4/vs';

/** What {@link applyIpvsSysctls} did. */
export interface IpvsSysctlReport {
  /** False when /proc/sys/net/ipv4/vs does not exist in this network namespace. */
  readonly available: boolean;
  readonly changed: readonly IpvsSysctlChange[];
  /** Settings this kernel does not have. */
  readonly missing: readonly IpvsSysctlName[];
  readonly failed: readonly { readonly name: IpvsSysctlName; readonly errnoName: string }[];
}

/**
 * Sets the director's IPVS sysctls (ipvs/sysctls.ts says why each one) in this network
 * namespace through src/net's sysctl port, once at start. Never throws: a missing /proc/sys/net/ipv4/vs (ip_vs not loaded,
 * or a kernel without IPVS) and every failed write are logged precisely and counted, and the
 * director runs on with the kernel's values.
 */
export async function applyIpvsSysctls(
  port: Sysctls,
  wanted: Readonly<Partial<Record<IpvsSysctlName, number>>>,
  log: Logger,
  metrics: DirectorMetrics,
): Promise<IpvsSysctlReport> {
  const names = Object.keys(wanted) as IpvsSysctlName[];
  if (names.length === 0) return { available: true, changed: [], missing: [], failed: [] };
  if (!(await port.exists(IPVS_SYSCTLS_PATH))) {
    for (const name of names) metrics.ipvsSysctlFailed(name, 'ENOENT');
    log.warn(
      { path: IPVS_SYSCTL_DIR, wanted, problem: 'ip_vs is not loaded, or this kernel has no IPVS' },
      'ipvs sysctls not set',
    );
    return { available: false, changed: [], missing: names, failed: [] };
  }
  const failed: { name: IpvsSysctlName; errnoName: string }[] = [];
  const current = new Map<IpvsSysctlName, number | undefined>();
  for (const name of names) {
    try {
      current.set(name, await port.read(ipvsSysctlPath(name)));
    } catch (err) {
      failed.push({ name, errnoName: errnoNameOf(err) });
    }
  }
  const plan = planIpvsSysctls(
    Object.fromEntries(names.filter((n) => current.has(n)).map((n) => [n, wanted[n]])),
    current,
  );
  const changed: IpvsSysctlChange[] = [];
  for (const c of plan.changes) {
    try {
      await port.write(ipvsSysctlPath(c.name), c.to);
      changed.push(c);
    } catch (err) {
      failed.push({ name: c.name, errnoName: errnoNameOf(err) });
    }
  }
  for (const name of plan.missing) metrics.ipvsSysctlFailed(name, 'ENOENT');
  for (const f of failed) metrics.ipvsSysctlFailed(f.name, f.errnoName);
  for (const [name, value] of current) {
    const now = changed.find((c) => c.name === name)?.to ?? value;
    if (now !== undefined) metrics.ipvsSysctlIs(name, now);
  }
  if (changed.length > 0) {
    log.info({ changed: changed.map((c) => `net.ipv4.vs.${c.name} ${c.from}→${c.to}`) }, 'ipvs sysctls set');
  }
  if (plan.missing.length > 0) {
    log.warn({ path: IPVS_SYSCTL_DIR, missing: plan.missing }, 'ipvs sysctls missing in this kernel');
  }
  for (const f of failed) {
    log.warn({ sysctl: `net.ipv4.vs.${f.name}`, errno: f.errnoName }, 'ipvs sysctl not set');
  }
  return { available: true, changed, missing: plan.missing, failed };
}

function errnoNameOf(err: unknown): string {
  return err instanceof Error && 'errnoName' in err && typeof err.errnoName === 'string' ? err.errnoName : 'EIO';
}
