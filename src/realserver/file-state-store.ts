import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { StateCorruptError } from './errors.js';
import { formatState, parseState, type RealserverState } from './state.js';
import { DEFAULT_STATE_PATH, type StateStore } from './state-store.js';

/**
 * {@link StateStore} in a JSON file. Saves are atomic (write a temporary file, then rename), so
 * a crash leaves the old record or the new one, never half of one.
 */
export class FileStateStore implements StateStore {
  constructor(readonly path: string = DEFAULT_STATE_PATH) {}

  async load(): Promise<RealserverState | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if (e instanceof Error && 'code' in e && e.code === 'ENOENT') return undefined;
      throw e;
    }
    try {
      return parseState(JSON.parse(text));
    } catch (e) {
      throw new StateCorruptError(this.path, { cause: e });
    }
  }

  async save(state: RealserverState): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o755 });
    const tmp = `${this.path}.tmp-${process.pid}`;
    await writeFile(tmp, formatState(state), { mode: 0o644 });
    await rename(tmp, this.path);
  }
}
