import { constants } from 'node:fs';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SysctlError } from './errors.js';
import type { SysctlPath, Sysctls } from './sysctls.js';

const errnoNameOf = (e: unknown): string =>
  e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : 'EIO';

/** Why a segment cannot be part of a path under `root`, or undefined when it can. */
function segmentProblem(segment: string): string | undefined {
  if (segment === '' || segment === '.' || segment === '..') return `${JSON.stringify(segment)} is not a file name`;
  if (segment.includes('/') || segment.includes('\0')) return `${JSON.stringify(segment)} holds "/" or NUL`;
  return undefined;
}

/**
 * {@link Sysctls} over procfs. `root` is /proc/sys; tests point it at a folder of their own.
 * A write opens without O_CREAT, as procfs behaves: a setting that is not there is ENOENT,
 * never a new file.
 */
export class ProcSysctls implements Sysctls {
  constructor(private readonly root = '/proc/sys') {}

  async exists(path: SysctlPath): Promise<boolean> {
    const file = this.fileOf('read', path);
    try {
      await access(file);
      return true;
    } catch {
      return false;
    }
  }

  async read(path: SysctlPath): Promise<number | undefined> {
    const file = this.fileOf('read', path);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      if (errnoNameOf(e) === 'ENOENT') return undefined;
      throw new SysctlError('read', path, errnoNameOf(e), { cause: e });
    }
    const value = Number(text.trim());
    if (text.trim() === '' || !Number.isInteger(value)) {
      throw new SysctlError('read', path, 'EINVAL', { detail: `not an integer: ${JSON.stringify(text.trim())}` });
    }
    return value;
  }

  async write(path: SysctlPath, value: number): Promise<void> {
    if (!Number.isInteger(value)) {
      throw new SysctlError('write', path, 'EINVAL', { value, detail: 'not an integer' });
    }
    const file = this.fileOf('write', path, value);
    try {
      await writeFile(file, `${value}\n`, { flag: constants.O_WRONLY | constants.O_TRUNC });
    } catch (e) {
      throw new SysctlError('write', path, errnoNameOf(e), { value, cause: e });
    }
  }

  private fileOf(op: 'read' | 'write', path: SysctlPath, value?: number): string {
    const problem = path.length === 0 ? 'empty path' : path.map(segmentProblem).find((p) => p !== undefined);
    if (problem !== undefined) {
      throw new SysctlError(op, path, 'EINVAL', { ...(value !== undefined ? { value } : {}), detail: problem });
    }
    return join(this.root, ...path);
  }
}
