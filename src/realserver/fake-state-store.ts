import { StateCorruptError } from './errors.js';
import { formatState, parseState, type RealserverState } from './state.js';
import type { StateStore } from './state-store.js';

/** In-memory {@link StateStore} holding the file's text, so a corrupt file can be simulated. */
export class FakeStateStore implements StateStore {
  text: string | undefined;
  saves = 0;
  failOn: { op: 'save'; message: string } | undefined;

  load(): Promise<RealserverState | undefined> {
    if (this.text === undefined) return Promise.resolve(undefined);
    try {
      return Promise.resolve(parseState(JSON.parse(this.text)));
    } catch (e) {
      return Promise.reject(new StateCorruptError('memory', { cause: e }));
    }
  }

  save(state: RealserverState): Promise<void> {
    if (this.failOn) return Promise.reject(new Error(this.failOn.message));
    this.saves++;
    this.text = formatState(state);
    return Promise.resolve();
  }
}
