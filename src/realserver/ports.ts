import type { Addresses, RedirectRules, Sysctls } from '../net/index.js';
import type { Devices } from './devices.js';
import type { StateStore } from './state-store.js';

/**
 * Everything the role does to the node, as ports: VIP addresses, sysctls and REDIRECT rules
 * (src/net's ports), devices, and the state record. Real adapters come from
 * createKernelPorts; tests pass fakes.
 */
export interface RealserverPorts {
  readonly addresses: Addresses;
  readonly devices: Devices;
  readonly sysctls: Sysctls;
  readonly rules: RedirectRules;
  readonly state: StateStore;
}
