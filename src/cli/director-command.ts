import type { Command } from 'commander';
import { SECRET_TYPE } from '../api/index.js';
import { directorStatusItems, stoppedGroupItems, withCommandConditions } from '../director/index.js';
import { refKey } from '../model/index.js';
import { joinNodeIssues, type NodeIssue, type NodeStatusItem } from '../status/index.js';
import { clusterRoleOptions, runClusterRole, systemRoleTime, type ClusterRoleFlags } from './cluster-role.js';
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
          const transitions = new TransitionTimes(() => ctx.wallClock.now().toISOString());
          const refusedSince = new FirstSeen(() => ctx.wallClock.now().toISOString());
          let last: readonly NodeStatusItem[] = [];
          return {
            apply: (model) => runtime.director.setModel(model),
            report: () => {
              const status = runtime.director.status();
              const times = transitions.update(status.groups);
              const issues: NodeIssue[] = status.issues.map((i) => ({
                ref: i.object,
                reason: i.reason ?? (i.transient ? 'SecretNotFound' : 'InvalidSpec'),
                message:
                  i.path.length === 0
                    ? i.message
                    : // A transient spec issue is a Secret (or its key) not found: say which type is read.
                      `${i.path.join('.')}: ${i.message}${i.transient && i.reason === undefined ? ` (only Secrets of type ${SECRET_TYPE} are read)` : ''}`,
              }));
              // Observed in the kernel, not wrong in the spec: no field path.
              const observed: NodeIssue[] = (status.observedIssues ?? []).map((i) => ({
                ref: i.object,
                reason: i.reason ?? 'InvalidSpec',
                message: i.message,
              }));
              last = withCommandConditions(directorStatusItems(ctx.node, status, times), status.issues, (ref) =>
                refusedSince.since(refKey(ref)),
              );
              refusedSince.keep(status.issues.flatMap((i) => (i.refusedCommand ? [refKey(i.object)] : [])));
              return { items: last, issues: joinNodeIssues([...issues, ...observed]) };
            },
            stoppedItems: () => stoppedGroupItems(last, ctx.wallClock.now().toISOString()),
            isSynced: runtime.isSynced,
            faults: runtime.faults,
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

/** When this process first saw each key (a refusal's condition time), forgotten once gone. */
class FirstSeen {
  private readonly seen = new Map<string, string>();

  constructor(private readonly now: () => string) {}

  since(key: string): string {
    const t = this.seen.get(key) ?? this.now();
    this.seen.set(key, t);
    return t;
  }

  keep(keys: readonly string[]): void {
    const live = new Set(keys);
    for (const key of this.seen.keys()) if (!live.has(key)) this.seen.delete(key);
  }
}
