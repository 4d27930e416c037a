import {
  DetectedRedirectRules,
  NetlinkAddresses,
  ProcSysctls,
  redirectRulesFor,
  type ProcessRunner,
  type RedirectBackend,
  type RedirectTableNames,
} from '../net/index.js';
import { FileStateStore } from './file-state-store.js';
import { IpDevices } from './ip-devices.js';
import type { RealserverPorts } from './ports.js';
import { DEFAULT_STATE_PATH } from './state-store.js';

/**
 * The role's own netfilter objects, owned as a whole (README.md, "Why nftables"):
 * `table inet lvs_realserver`, or the nat chain `LVS-REDIRECT` where iptables is used.
 */
export const REALSERVER_REDIRECT_TABLE: RedirectTableNames = {
  nftTable: 'lvs_realserver',
  iptablesChain: 'LVS-REDIRECT',
};

/**
 * The real adapters, for this process's network namespace; `close()` releases the sockets.
 * `ip`, `nft` and `iptables` run through `processes`, the program's process runner.
 * `redirect` picks the REDIRECT backend; by default it is detected at first use (nft when the
 * kernel has nftables NAT, else iptables).
 */
export function createKernelPorts(opts: {
  readonly processes: ProcessRunner;
  readonly statePath?: string;
  readonly redirect?: RedirectBackend;
}): RealserverPorts & { close(): void } {
  const { processes } = opts;
  const addresses = new NetlinkAddresses();
  return {
    addresses,
    devices: new IpDevices(processes),
    sysctls: new ProcSysctls(),
    rules: opts.redirect
      ? redirectRulesFor(opts.redirect, processes, REALSERVER_REDIRECT_TABLE)
      : new DetectedRedirectRules(processes, REALSERVER_REDIRECT_TABLE),
    state: new FileStateStore(opts.statePath ?? DEFAULT_STATE_PATH),
    close: () => addresses.close(),
  };
}
