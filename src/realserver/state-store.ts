import type { RealserverState } from './state.js';

/**
 * The state port: where the record of what the role created survives a restart. `load` gives
 * undefined when nothing was saved and rejects with StateCorruptError when what was saved does
 * not parse. Implementations: FileStateStore, FakeStateStore.
 */
export interface StateStore {
  load(): Promise<RealserverState | undefined>;
  save(state: RealserverState): Promise<void>;
}

/** Where the state lives by default: /run is a tmpfs, cleared at boot with the kernel state. */
export const DEFAULT_STATE_PATH = '/run/lvs-operator/realserver-state.json';
