import type { InstanceStatus, VipConflict, VrrpEvent, VrrpInstanceConfig, VrrpSpeaker } from '../vrrp/index.js';

/**
 * What the director needs from VRRP: run exactly this set of instances (unchanged ones keep
 * running undisturbed), say how they are, tell when they change, and hand over gracefully.
 */
export interface VrrpRunner {
  /** Resolves with the instances that could not start (each also logged and counted). */
  setInstances(configs: readonly VrrpInstanceConfig[]): Promise<readonly Error[]>;
  status(): readonly InstanceStatus[];
  /** Configured VIPs found on the node that it did not add: left alone, reported. */
  conflicts(): readonly VipConflict[];
  subscribe(listener: (e: VrrpEvent) => void): () => void;
  /**
   * Graceful: masters send priority 0 and keep their VIPs until the new master is seen (or
   * their bound runs out); resolves once every VIP is released.
   */
  stop(): Promise<void>;
}

/** The real runner: a started {@link VrrpSpeaker}. */
export function speakerRunner(speaker: VrrpSpeaker): VrrpRunner {
  return {
    setInstances: (configs) => speaker.setInstances(configs),
    status: () => speaker.status(),
    conflicts: () => speaker.conflicts(),
    subscribe: (listener) => speaker.events.subscribe(listener),
    stop: () => speaker.stop(),
  };
}
