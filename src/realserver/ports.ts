import type { Addresses } from '../net/index.js';
import type { Devices } from './devices.js';
import type { RedirectRules } from './redirect-rules.js';
import type { StateStore } from './state-store.js';
import type { Sysctls } from './sysctls.js';

/**
 * Everything the role does to the node, as ports: VIP addresses (src/net's rtnetlink port),
 * devices, sysctls, REDIRECT rules, and the state record. Real adapters come from
 * createKernelPorts; tests pass fakes.
 */
export interface RealserverPorts {
  readonly addresses: Addresses;
  readonly devices: Devices;
  readonly sysctls: Sysctls;
  readonly rules: RedirectRules;
  readonly state: StateStore;
}
