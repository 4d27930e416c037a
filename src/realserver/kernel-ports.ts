import { NetlinkAddresses } from '../net/index.js';
import { ExecCommandRunner, type CommandRunner } from './command-runner.js';
import { FileStateStore } from './file-state-store.js';
import { IpDevices } from './ip-devices.js';
import { DetectedRedirectRules, redirectRulesFor, type RedirectBackend } from './redirect-backend.js';
import type { RealserverPorts } from './ports.js';
import { ProcSysctls } from './proc-sysctls.js';
import { DEFAULT_STATE_PATH } from './state-store.js';

/**
 * The real adapters, for this process's network namespace; `close()` releases the sockets.
 * `redirect` picks the REDIRECT backend; by default it is detected at first use (nft when the
 * kernel has nftables NAT, else iptables).
 */
export function createKernelPorts(
  opts: { readonly statePath?: string; readonly commands?: CommandRunner; readonly redirect?: RedirectBackend } = {},
): RealserverPorts & { close(): void } {
  const commands = opts.commands ?? new ExecCommandRunner();
  const addresses = new NetlinkAddresses();
  return {
    addresses,
    devices: new IpDevices(commands),
    sysctls: new ProcSysctls(),
    rules: opts.redirect ? redirectRulesFor(opts.redirect, commands) : new DetectedRedirectRules(commands),
    state: new FileStateStore(opts.statePath ?? DEFAULT_STATE_PATH),
    close: () => addresses.close(),
  };
}
