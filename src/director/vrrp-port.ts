import type { InstanceStatus, VrrpEvent, VrrpInstanceConfig } from '../vrrp/index.js';

/**
 * What the director needs from VRRP: run exactly this set of instances (unchanged ones keep
 * running undisturbed), say how they are, tell when they change, and hand over gracefully.
 */
export interface VrrpRunner {
  setInstances(configs: readonly VrrpInstanceConfig[]): Promise<void>;
  status(): readonly InstanceStatus[];
  subscribe(listener: (e: VrrpEvent) => void): () => void;
  /** Graceful: masters send priority 0 and release their VIPs. */
  stop(): Promise<void>;
}
