import { IpvsSysctlError } from './errors.js';
import type { IpvsSysctlName, IpvsSysctls } from './sysctls.js';

/**
 * In-memory {@link IpvsSysctls} with procfs semantics: absent until `loaded` (ip_vs not
 * loaded), the kernel defaults once loaded. `failOn` injects an error for one operation.
 */
export class FakeIpvsSysctls implements IpvsSysctls {
  readonly values = new Map<IpvsSysctlName, number>();
  readonly writes: { name: IpvsSysctlName; value: number }[] = [];
  failOn: { op: 'read' | 'write'; name: IpvsSysctlName; errnoName: string } | undefined;

  constructor(loaded = true) {
    // Linux 6.1 defaults (ipvs-sysctl.rst).
    if (loaded)
      for (const [k, v] of [
        ['expire_nodest_conn', 0],
        ['expire_quiescent_template', 0],
        ['conn_reuse_mode', 1],
      ] as const)
        this.values.set(k, v);
  }

  available(): Promise<boolean> {
    return Promise.resolve(this.values.size > 0);
  }

  read(name: IpvsSysctlName): Promise<number | undefined> {
    if (this.failOn?.op === 'read' && this.failOn.name === name) {
      return Promise.reject(new IpvsSysctlError('read', name, this.failOn.errnoName));
    }
    return Promise.resolve(this.values.get(name));
  }

  write(name: IpvsSysctlName, value: number): Promise<void> {
    this.writes.push({ name, value });
    if (this.failOn?.op === 'write' && this.failOn.name === name) {
      return Promise.reject(new IpvsSysctlError('write', name, this.failOn.errnoName));
    }
    if (!this.values.has(name)) return Promise.reject(new IpvsSysctlError('write', name, 'ENOENT'));
    this.values.set(name, value);
    return Promise.resolve();
  }
}
