import { SysctlError } from './errors.js';
import type { Sysctls } from './sysctls.js';
import type { SysctlKey, SysctlName } from './types.js';
import { keyOf } from './types.js';

/** One write the fake performed. */
export interface SysctlWrite {
  readonly key: SysctlKey;
  readonly value: number;
}

const NAMES: readonly SysctlName[] = ['arp_ignore', 'arp_announce', 'rp_filter'];

/**
 * In-memory {@link Sysctls} with procfs semantics: an interface's settings exist while the
 * interface does (`addInterface`, `removeInterface`, which FakeDevices calls), a new interface
 * starts from `default`. `failOn` injects an error for one operation, optionally one key.
 */
export class FakeSysctls implements Sysctls {
  readonly values = new Map<string, number>();
  readonly writes: SysctlWrite[] = [];
  failOn: { op: 'read' | 'write'; errnoName: string; key?: SysctlKey } | undefined;

  constructor(interfaces: readonly string[] = ['lo'], initial: Partial<Record<SysctlName, number>> = {}) {
    for (const iface of ['all', 'default']) {
      for (const name of NAMES) this.values.set(keyOf.sysctl({ iface, name }), initial[name] ?? 0);
    }
    for (const iface of interfaces) this.addInterface(iface);
  }

  /** Gives a new interface its settings, copied from `default` as the kernel does. */
  addInterface(iface: string): void {
    for (const name of NAMES) {
      this.values.set(keyOf.sysctl({ iface, name }), this.values.get(keyOf.sysctl({ iface: 'default', name })) ?? 0);
    }
  }

  removeInterface(iface: string): void {
    for (const name of NAMES) this.values.delete(keyOf.sysctl({ iface, name }));
  }

  /** Sets a value as an administrator would, without recording a write. */
  set(key: SysctlKey, value: number): void {
    this.values.set(keyOf.sysctl(key), value);
  }

  get(key: SysctlKey): number | undefined {
    return this.values.get(keyOf.sysctl(key));
  }

  read(key: SysctlKey): Promise<number | undefined> {
    if (this.fails('read', key)) return Promise.reject(new SysctlError('read', key, this.failOn?.errnoName ?? 'EIO'));
    return Promise.resolve(this.values.get(keyOf.sysctl(key)));
  }

  write(key: SysctlKey, value: number): Promise<void> {
    this.writes.push({ key, value });
    if (this.fails('write', key)) return Promise.reject(new SysctlError('write', key, this.failOn?.errnoName ?? 'EIO'));
    const k = keyOf.sysctl(key);
    if (!this.values.has(k)) return Promise.reject(new SysctlError('write', key, 'ENOENT'));
    this.values.set(k, value);
    return Promise.resolve();
  }

  private fails(op: 'read' | 'write', key: SysctlKey): boolean {
    const f = this.failOn;
    return f !== undefined && f.op === op && (f.key === undefined || keyOf.sysctl(f.key) === keyOf.sysctl(key));
  }
}
