import { matchesSelector, parseAddressWithPrefix, parseDurationMs, type VrrpGroup } from '../api/index.js';
import { withoutUndefined } from '../core/defined.js';
import type { VrrpInstanceConfig } from '../vrrp/index.js';
import type { NodeIdentity } from './node.js';
import type { CommandCheck } from './plan-commands.js';
import type { PlanIssue, SecretResolver } from './plan-types.js';

/** A VrrpGroup as this node runs it. */
export interface PlannedGroup {
  /** "namespace/name" of the VrrpGroup. */
  readonly ref: string;
  readonly config: VrrpInstanceConfig;
  /** Run the IPVS connection sync daemon following this group's state. */
  readonly connectionSync?: { readonly interface: string; readonly syncId: number };
  readonly syncGroup?: string;
}

const ms = (d: string): number => parseDurationMs(d) ?? 0;

/** Whether this node runs the group: its nodeSelector (absent: every director) matches. */
export function selectsNode(group: VrrpGroup, node: NodeIdentity): boolean {
  return group.spec.nodeSelector === undefined || matchesSelector(group.spec.nodeSelector, node.labels);
}

/**
 * A VrrpGroup → this node's VRRP instance: per-node overrides applied, durations in ms, the
 * PASS password resolved from its Secret. A missing Secret is a transient issue: the group
 * is not run until it appears (running without authentication would split the pair). With
 * `commands`, track scripts and notify hooks its policy refuses are left out (and recorded
 * there): the group still runs, elects and holds its VIPs.
 */
export function planGroup(
  group: VrrpGroup,
  node: NodeIdentity,
  resolveSecret: SecretResolver,
  commands?: CommandCheck,
): PlannedGroup | PlanIssue {
  const ref = `${group.metadata.namespace}/${group.metadata.name}`;
  const spec = group.spec;
  const override = spec.nodes?.find((n) => n.name === node.name);
  const vips = spec.virtualIPs.map((v) => parseAddressWithPrefix(v.address));
  if (vips.some((v) => v === undefined)) {
    return {
      ref,
      kind: 'VrrpGroup',
      path: ['spec', 'virtualIPs'],
      message: 'unparseable virtual IP',
      transient: false,
    };
  }
  let auth: VrrpInstanceConfig['auth'] = { type: 'none' };
  if (spec.authentication) {
    const { name, key } = spec.authentication.secretRef;
    const password = resolveSecret(group.metadata.namespace, name, key);
    if (password === undefined) {
      return {
        ref,
        kind: 'VrrpGroup',
        path: ['spec', 'authentication', 'secretRef'],
        message: `Secret ${group.metadata.namespace}/${name} key ${key} not found; the group waits for it`,
        transient: true,
      };
    }
    auth = { type: 'pass', password };
  }
  const iface = override?.interface ?? spec.interface;
  const unicastSrc = override?.unicastSourceIP ?? spec.unicastSourceIP;
  const config: VrrpInstanceConfig = {
    name: ref,
    vrid: spec.virtualRouterId,
    version: spec.version,
    family: vips[0]?.ip.family ?? 4,
    interface: iface,
    priority: override?.priority ?? spec.priority,
    advertIntervalMs: ms(spec.advertInterval),
    preempt: spec.preempt,
    preemptDelayMs: ms(spec.preemptDelay),
    virtualIPs: vips.flatMap((v) => (v ? [{ address: v.ip.text, prefixLength: v.prefixLength }] : [])),
    unicastPeers: spec.unicastPeers ?? [],
    ...(unicastSrc === undefined ? {} : { unicastSrc }),
    auth,
    acceptMode: spec.acceptMode,
    trackInterfaces: (spec.trackInterfaces ?? []).map((t) => ({ name: t.name, weight: t.weight })),
    trackScripts: (spec.trackScripts ?? [])
      .filter((t, i) => commands?.allows(t.command, ['spec', 'trackScripts', i, 'command'], 'track-script') ?? true)
      .map((t) => ({
        name: t.name,
        command: t.command,
        intervalMs: ms(t.interval),
        timeoutMs: ms(t.timeout ?? t.interval),
        rise: t.rise,
        fall: t.fall,
        weight: t.weight,
      })),
    garp: {
      masterDelayMs: ms(spec.garp.masterDelay),
      masterRepeat: spec.garp.masterRepeat,
      masterRefreshMs: ms(spec.garp.masterRefresh),
      masterRefreshRepeat: spec.garp.masterRefreshRepeat,
    },
    notify: commands
      ? commands.hooks(withoutUndefined(spec.notify ?? {}), ['spec', 'notify'])
      : withoutUndefined(spec.notify ?? {}),
  };
  const sync = spec.connectionSync;
  return {
    ref,
    config,
    ...(sync?.enabled
      ? { connectionSync: { interface: sync.interface ?? iface, syncId: sync.syncId ?? spec.virtualRouterId } }
      : {}),
    ...(spec.syncGroup === undefined ? {} : { syncGroup: spec.syncGroup }),
  };
}
