import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IpvsSysctlError } from './errors.js';
import type { IpvsSysctlName, IpvsSysctls } from './sysctls.js';

const errnoNameOf = (e: unknown): string =>
  e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : 'EIO';

/**
 * {@link IpvsSysctls} over procfs. /proc/sys/net shows the network namespace of this process,
 * so the values are this namespace's (IPVS keeps them per namespace, `struct netns_ipvs`).
 */
export class ProcIpvsSysctls implements IpvsSysctls {
  constructor(private readonly root = '/proc/sys/net/ipv4/vs') {}

  async available(): Promise<boolean> {
    try {
      await access(this.root);
      return true;
    } catch {
      return false;
    }
  }

  async read(name: IpvsSysctlName): Promise<number | undefined> {
    let text: string;
    try {
      text = await readFile(join(this.root, name), 'utf8');
    } catch (e) {
      if (errnoNameOf(e) === 'ENOENT') return undefined;
      throw new IpvsSysctlError('read', name, errnoNameOf(e), { cause: e });
    }
    const value = Number(text.trim());
    if (!Number.isInteger(value)) throw new IpvsSysctlError('read', name, 'EINVAL');
    return value;
  }

  async write(name: IpvsSysctlName, value: number): Promise<void> {
    try {
      await writeFile(join(this.root, name), `${value}\n`);
    } catch (e) {
      throw new IpvsSysctlError('write', name, errnoNameOf(e), { cause: e });
    }
  }
}
