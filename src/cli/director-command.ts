import type { Command } from 'commander';
import { directorStatusItems, refOf, stoppedGroupItems, type NodeIssue, type NodeStatusItem } from '../kube/index.js';
import { clusterRoleOptions, runClusterRole, type ClusterRoleFlags } from './cluster-role.js';
import { createDirectorRuntime } from './director-runtime.js';
import { directorTuningOptions, parseDirectorTuning, type DirectorTuningFlags } from './flags.js';

interface DirectorFlags extends ClusterRoleFlags, DirectorTuningFlags {
  removeIpvsOnExit?: boolean;
}

/** `lvs-operator director`: the director role of one node, configured from the API server. */
export function registerDirector(program: Command): void {
  clusterRoleOptions(
    directorTuningOptions(
      program
        .command('director')
        .description('Run the director role (VRRP, health checks, IPVS) of this node from the Kubernetes API'),
    ),
    { stateDir: '/var/lib/lvs-operator', metricsPort: 9400 },
  )
    .option('--remove-ipvs-on-exit', 'on SIGTERM also remove the IPVS services this agent owns (default: keep them)')
    .addHelpText(
      'after',
      '\nSignals: SIGTERM/SIGINT stop gracefully (VRRP priority 0, VIPs kept until the new master is\nseen, then released; IPVS kept unless --remove-ipvs-on-exit).',
    )
    .action(async (flags: DirectorFlags) => {
      const tuning = parseDirectorTuning(flags);
      await runClusterRole(flags, {
        name: 'director',
        // Not RealServer: a node that runs both roles writes under one field manager
        // (lvs-operator/<node>, the controller's contract), and RealServer status is the
        // realserver role's, which would otherwise withdraw the director's items and vice versa.
        statusKinds: ['VrrpGroup', 'VirtualServer'],
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
            resolveSecret: ctx.resolveSecret,
            tuning,
          });
          const transitions = new TransitionTimes(() => new Date().toISOString());
          let last: readonly NodeStatusItem[] = [];
          return {
            apply: (objects) => runtime.director.setObjects(objects),
            report: () => {
              const status = runtime.director.status();
              const times = transitions.update(status.groups);
              const issues: NodeIssue[] = status.issues
                .filter((i) => !i.transient)
                .map((i) => ({
                  ref: refOf(i.kind, i.ref),
                  reason: 'InvalidSpec',
                  message: `${i.path.join('.')}: ${i.message}`,
                }));
              last = directorStatusItems(ctx.node, status, times);
              return { items: last, issues };
            },
            stoppedItems: () => stoppedGroupItems(last, new Date().toISOString()),
            isSynced: runtime.isSynced,
            close: () => runtime.close({ removeIpvs: flags.removeIpvsOnExit === true }),
          };
        },
      });
    });
}

/** When each group last changed state on this node, as this process saw it. */
class TransitionTimes {
  private readonly seen = new Map<string, { state: string; time: string }>();

  constructor(private readonly now: () => string) {}

  update(groups: readonly { readonly ref: string; readonly state: string }[]): ReadonlyMap<string, string> {
    const out = new Map<string, string>();
    for (const g of groups) {
      const last = this.seen.get(g.ref);
      const entry = last && last.state === g.state ? last : { state: g.state, time: this.now() };
      this.seen.set(g.ref, entry);
      out.set(g.ref, entry.time);
    }
    for (const ref of this.seen.keys()) if (!out.has(ref)) this.seen.delete(ref);
    return out;
  }
}
