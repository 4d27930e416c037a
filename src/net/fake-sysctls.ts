import { SysctlError } from './errors.js';
import { sysctlName, type SysctlPath, type Sysctls } from './sysctls.js';

/** One write the fake performed. */
export interface SysctlWrite {
  readonly path: SysctlPath;
  readonly value: number;
}

const CONF = ['net', 'ipv4', 'conf'] as const;

/**
 * In-memory {@link Sysctls} with procfs semantics: a setting exists once set (`initial`,
 * `set`), a missing one reads as undefined and refuses a write (ENOENT), a folder exists while
 * a setting lies under it. `addInterface` and `removeInterface` do what the kernel does to
 * net.ipv4.conf.<iface> as an interface comes and goes (FakeDevices calls them). `failOn`
 * injects an error for one operation, optionally one setting. Values are keyed by
 * {@link sysctlName}.
 */
export class FakeSysctls implements Sysctls {
  readonly values = new Map<string, number>();
  readonly writes: SysctlWrite[] = [];
  failOn: { op: 'read' | 'write'; errnoName: string; path?: SysctlPath } | undefined;

  constructor(initial: Iterable<readonly [SysctlPath, number]> = []) {
    for (const [path, value] of initial) this.set(path, value);
  }

  /** Sets a value as an administrator (or a module load) would, without recording a write. */
  set(path: SysctlPath, value: number): void {
    this.values.set(sysctlName(path), value);
  }

  get(path: SysctlPath): number | undefined {
    return this.values.get(sysctlName(path));
  }

  /**
   * A new interface gets net.ipv4.conf.<iface>.* copied from net.ipv4.conf.default.*, as
   * inetdev_init does with ipv4_devconf_dflt (net/ipv4/devinet.c).
   */
  addInterface(iface: string): void {
    const from = `${sysctlName([...CONF, 'default'])}.`;
    for (const [name, value] of [...this.values]) {
      if (name.startsWith(from)) this.set([...CONF, iface, name.slice(from.length)], value);
    }
  }

  /** An interface's settings go with it. */
  removeInterface(iface: string): void {
    const prefix = `${sysctlName([...CONF, iface])}.`;
    for (const name of [...this.values.keys()]) if (name.startsWith(prefix)) this.values.delete(name);
  }

  exists(path: SysctlPath): Promise<boolean> {
    const name = sysctlName(path);
    return Promise.resolve([...this.values.keys()].some((k) => k === name || k.startsWith(`${name}.`)));
  }

  read(path: SysctlPath): Promise<number | undefined> {
    const failure = this.failure('read', path);
    if (failure) return Promise.reject(new SysctlError('read', path, failure));
    return Promise.resolve(this.get(path));
  }

  write(path: SysctlPath, value: number): Promise<void> {
    this.writes.push({ path, value });
    const failure = this.failure('write', path);
    if (failure) return Promise.reject(new SysctlError('write', path, failure, { value }));
    if (!this.values.has(sysctlName(path))) return Promise.reject(new SysctlError('write', path, 'ENOENT', { value }));
    this.set(path, value);
    return Promise.resolve();
  }

  private failure(op: 'read' | 'write', path: SysctlPath): string | undefined {
    const f = this.failOn;
    if (f === undefined || f.op !== op) return undefined;
    if (f.path !== undefined && sysctlName(f.path) !== sysctlName(path)) return undefined;
    return f.errnoName;
  }
}
