import type { Command } from 'commander';
import { clusterRoleOptions, runClusterRole, systemRoleTime, type ClusterRoleFlags } from './cluster-role.js';
import { DirectorReporter } from './director-report.js';
import { createDirectorRuntime } from './director-runtime.js';
import {
  collect,
  directorTuningOptions,
  parseCommandAllowlist,
  parseDirectorTuning,
  parseSecretFlags,
  parseVipPolicy,
  secretOptions,
  type DirectorTuningFlags,
  type SecretFlags,
  type VipPolicyFlags,
  vipPolicyOptions,
} from './flags.js';

interface DirectorFlags extends ClusterRoleFlags, DirectorTuningFlags, SecretFlags, VipPolicyFlags {
  removeIpvsOnExit?: boolean;
  allowCommand: string[];
}

/** `lvs-operator director`: the director role of one node, configured from the API server. */
export function registerDirector(program: Command): void {
  clusterRoleOptions(
    vipPolicyOptions(
      secretOptions(
        directorTuningOptions(
          program
            .command('director')
            .description('Run the director role (VRRP, health checks, IPVS) of this node from the Kubernetes API'),
        ),
      ),
    ),
    { stateDir: '/var/lib/lvs-operator', metricsPort: 9400 },
  )
    .option('--remove-ipvs-on-exit', 'on SIGTERM also remove the IPVS services this agent owns (default: keep them)')
    .option(
      '--allow-command <path>',
      'a program (absolute path, matched exactly) that MISC checks, notify hooks and track scripts of objects may run, with any arguments (repeatable; none given: no command runs)',
      collect,
      [],
    )
    .addHelpText(
      'after',
      '\nSignals: SIGTERM/SIGINT stop gracefully (VRRP priority 0, VIPs kept until the new master is\nseen, then released; IPVS kept unless --remove-ipvs-on-exit).',
    )
    .action(async (flags: DirectorFlags) => {
      const tuning = parseDirectorTuning(flags);
      const commandPolicy = parseCommandAllowlist(flags.allowCommand);
      const vipPolicy = parseVipPolicy(flags);
      await runClusterRole(flags, systemRoleTime, {
        name: 'director',
        secrets: parseSecretFlags(flags),
        // RealServer: status.health. The realserver role writes status.vips of the same
        // objects under a field manager of its own, so neither withdraws the other's items.
        statusKinds: ['VrrpGroup', 'VirtualServer', 'RealServer'],
        start: async (ctx) => {
          const runtime = await createDirectorRuntime({
            // planNode reads the labels at every plan, so a relabelled Node moves in or out of
            // VrrpGroup nodeSelectors without a restart.
            node: {
              name: ctx.node,
              get labels() {
                return ctx.labels();
              },
            },
            log: ctx.log,
            registry: ctx.registry,
            clock: ctx.clock,
            stateDir: ctx.stateDir,
            vipPolicy,
            tuning,
            commandPolicy,
          });
          const reporter = new DirectorReporter(ctx.node, runtime, ctx.wallClock);
          return {
            apply: (model) => runtime.director.setModel(model),
            report: () => reporter.report(),
            stoppedItems: () => reporter.stoppedItems(),
            statusParts: async () => ({ director: await reporter.section() }),
            isSynced: runtime.isSynced,
            faults: runtime.faults,
            close: () => runtime.close({ removeIpvs: flags.removeIpvsOnExit === true }),
          };
        },
      });
    });
}
