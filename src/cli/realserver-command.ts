import type { Command } from 'commander';
import { nodeFieldManager } from '../kube/index.js';
import type { PassReport } from '../realserver/index.js';
import { clusterRoleOptions, runClusterRole, systemRoleTime, type ClusterRoleFlags } from './cluster-role.js';
import { parseVipPolicy, vipPolicyOptions, type VipPolicyFlags } from './flags.js';
import { createRealserverRuntime } from './realserver-runtime.js';
import { realserverReport, realserverStatusPart } from './status-document.js';

/** `lvs-operator realserver`: the backend role of one node, configured from the API server. */
export function registerRealserver(program: Command): void {
  clusterRoleOptions(
    vipPolicyOptions(
      program
        .command('realserver')
        .description("Accept the VIPs of the DR and TUN VirtualServers that send to this node's real servers"),
    ),
    { stateDir: '/run/lvs-operator', metricsPort: 9401 },
  )
    .addHelpText('after', '\nSignals: SIGTERM/SIGINT stop gracefully; VIPs stay so connections survive a restart.')
    .action(async (flags: ClusterRoleFlags & VipPolicyFlags) => {
      const vipPolicy = parseVipPolicy(flags);
      await runClusterRole(flags, systemRoleTime, {
        name: 'realserver',
        secrets: { reading: 'none' },
        // VirtualServer for the inline real servers' VIPs (status.realServerVips).
        statusKinds: ['RealServer', 'VirtualServer'],
        // Before it had a field manager of its own, this role wrote status.vips as the director's.
        formerStatus: (node) => ({ fieldManager: nodeFieldManager(node), kind: 'RealServer', field: 'vips' }),
        start: async (ctx) => {
          const runtime = await createRealserverRuntime({
            nodeName: ctx.node,
            log: ctx.log,
            registry: ctx.registry,
            clock: ctx.clock,
            stateDir: ctx.stateDir,
            vipPolicy,
          });
          let last: PassReport | undefined;
          return {
            apply: async (model) => {
              last = await runtime.sync(model);
            },
            report: () => realserverReport(ctx.node, last),
            statusParts: () => Promise.resolve({ realserver: realserverStatusPart(last) }),
            isSynced: runtime.isSynced,
            close: runtime.close,
          };
        },
      });
    });
}
