import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { VipPolicy } from '../api/index.js';
import type { Model } from '../model/index.js';
import type { Clock, Logger } from '../core/index.js';
import { ANY_COMMAND, SpawnProcessRunner } from '../net/index.js';
import { createKernelPorts, RealserverRole, type PassReport } from '../realserver/index.js';

export interface RealserverRuntime {
  sync(model: Model): Promise<PassReport>;
  isSynced(): boolean;
  /** Leaves VIPs, rules and sysctls in place for the next start to adopt. */
  close(): Promise<void>;
}

/** The realserver role over the real kernel, shared by `standalone` and the cluster `realserver`. */
export async function createRealserverRuntime(opts: {
  readonly nodeName: string;
  readonly log: Logger;
  readonly registry: Registry;
  readonly clock: Clock;
  readonly stateDir: string;
  /** The cluster administrator's VIP ranges; open when absent (standalone). */
  readonly vipPolicy?: VipPolicy;
}): Promise<RealserverRuntime> {
  // The role runs system tools only (ip, nft, iptables), which no command policy governs.
  const processes = new SpawnProcessRunner({ clock: opts.clock, policy: ANY_COMMAND });
  const ports = createKernelPorts({ processes, statePath: join(opts.stateDir, 'realserver-state.json') });
  const role = new RealserverRole({
    nodeName: opts.nodeName,
    ports,
    log: opts.log,
    registry: opts.registry,
    clock: opts.clock,
    ...(opts.vipPolicy ? { vipPolicy: opts.vipPolicy } : {}),
  });
  await role.start();
  let synced = false;
  return {
    sync: async (model) => {
      const report = await role.sync(model);
      synced = true;
      return report;
    },
    isSynced: () => synced,
    close: async () => {
      await role.stop();
      ports.close();
    },
  };
}
