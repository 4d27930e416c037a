import { NetlinkAddresses } from '../net/index.js';
import { ExecCommandRunner, type CommandRunner } from './command-runner.js';
import { FileStateStore } from './file-state-store.js';
import { IpDevices } from './ip-devices.js';
import { NftRedirectRules } from './nft-redirect-rules.js';
import type { RealserverPorts } from './ports.js';
import { ProcSysctls } from './proc-sysctls.js';
import { DEFAULT_STATE_PATH } from './state-store.js';

/** The real adapters, for this process's network namespace; `close()` releases the sockets. */
export function createKernelPorts(
  opts: { readonly statePath?: string; readonly commands?: CommandRunner } = {},
): RealserverPorts & { close(): void } {
  const commands = opts.commands ?? new ExecCommandRunner();
  const addresses = new NetlinkAddresses();
  return {
    addresses,
    devices: new IpDevices(commands),
    sysctls: new ProcSysctls(),
    rules: new NftRedirectRules(commands),
    state: new FileStateStore(opts.statePath ?? DEFAULT_STATE_PATH),
    close: () => addresses.close(),
  };
}
