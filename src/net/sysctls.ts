/**
 * The sysctl port: integer settings under /proc/sys, as this process's network namespace sees
 * them (procfs shows the reader's namespace under /proc/sys/net). Which settings matter and
 * what they should hold is the callers' knowledge (src/ipvs, src/realserver); this port only
 * reads and writes. Implementations: ProcSysctls, FakeSysctls.
 */

/**
 * A setting or a folder, as the segments of its path under /proc/sys:
 * `['net', 'ipv4', 'conf', 'eth0.100', 'arp_ignore']`. Segments are file names: never empty,
 * never ".", "..", and without "/" (an interface name may hold a "."; procfs keeps it).
 */
export type SysctlPath = readonly string[];

/**
 * sysctl(8)'s name of a path: segments joined with ".", a "." inside a segment written as
 * "/" (`net.ipv4.conf.eth0/100.arp_ignore`), as sysctl(8) prints VLAN interfaces.
 */
export function sysctlName(path: SysctlPath): string {
  return path.map((s) => s.replaceAll('.', '/')).join('.');
}

/**
 * Reads and writes integer sysctls. `read` gives undefined for a setting that does not exist
 * (an interface that is gone, ip_vs not loaded); `write` of one rejects with SysctlError
 * (ENOENT): procfs never creates a setting. Every other failure rejects with SysctlError,
 * naming the setting, the value and the errno.
 */
export interface Sysctls {
  /** Whether the setting or folder exists (`['net', 'ipv4', 'vs']`: IPVS is loaded here). */
  exists(path: SysctlPath): Promise<boolean>;
  read(path: SysctlPath): Promise<number | undefined>;
  write(path: SysctlPath, value: number): Promise<void>;
}
