import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SysctlError } from './errors.js';
import type { Sysctls } from './sysctls.js';
import type { SysctlKey } from './types.js';

const errnoNameOf = (e: unknown): string =>
  e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : 'EIO';

/**
 * {@link Sysctls} over procfs. The values belong to the network namespace of this process
 * (procfs shows the reader's namespace under /proc/sys/net).
 */
export class ProcSysctls implements Sysctls {
  constructor(private readonly root = '/proc/sys/net/ipv4/conf') {}

  async read(key: SysctlKey): Promise<number | undefined> {
    let text: string;
    try {
      text = await readFile(this.pathOf(key), 'utf8');
    } catch (e) {
      if (errnoNameOf(e) === 'ENOENT') return undefined;
      throw new SysctlError('read', key, errnoNameOf(e), { cause: e });
    }
    const value = Number(text.trim());
    if (!Number.isInteger(value)) throw new SysctlError('read', key, 'EINVAL');
    return value;
  }

  async write(key: SysctlKey, value: number): Promise<void> {
    try {
      await writeFile(this.pathOf(key), `${value}\n`);
    } catch (e) {
      throw new SysctlError('write', key, errnoNameOf(e), { cause: e });
    }
  }

  private pathOf(key: SysctlKey): string {
    // Interface names never contain "/" (the API's interfaceName rule); refuse anything else.
    if (key.iface.includes('/') || key.iface === '.' || key.iface === '..') {
      throw new SysctlError('read', key, 'EINVAL');
    }
    return join(this.root, key.iface, key.name);
  }
}
