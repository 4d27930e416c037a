import type { SysctlKey } from './types.js';

/**
 * The sysctl port: the IPv4 per-interface settings under /proc/sys/net/ipv4/conf. Reading a
 * missing interface gives undefined; writing one rejects with SysctlError (ENOENT).
 * Implementations: ProcSysctls, FakeSysctls.
 */
export interface Sysctls {
  read(key: SysctlKey): Promise<number | undefined>;
  write(key: SysctlKey, value: number): Promise<void>;
}
