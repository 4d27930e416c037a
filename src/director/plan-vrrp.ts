import { matchesSelector } from '../api/index.js';
import { nameKey, type GroupModel, type ObjectRef } from '../model/index.js';
import type { VrrpInstanceConfig } from '../vrrp/index.js';
import type { NodeIdentity } from './node.js';
import type { CommandCheck } from './plan-commands.js';
import type { PlanIssue } from './plan-types.js';

/** A VrrpGroup as this node runs it. */
export interface PlannedGroup {
  readonly object: ObjectRef;
  /** "namespace/name" of the VrrpGroup: the VRRP instance's name. */
  readonly ref: string;
  readonly config: VrrpInstanceConfig;
  /** Run the IPVS connection sync daemon following this group's state. */
  readonly connectionSync?: { readonly interface: string; readonly syncId: number };
  readonly syncGroup?: string;
}

/** Whether this node runs the group: its nodeSelector (absent: every director) matches. */
export function selectsNode(group: GroupModel, node: NodeIdentity): boolean {
  return group.nodeSelector === undefined || matchesSelector(group.nodeSelector, node.labels);
}

/**
 * A VrrpGroup → this node's VRRP instance, per-node overrides applied. A group with issues (a
 * missing Secret: running without authentication would split the pair) is not run. With
 * `commands`, track scripts and notify hooks its policy refuses are left out (and recorded
 * there): the group still runs, elects and holds its VIPs.
 */
export function planGroup(
  group: GroupModel,
  node: NodeIdentity,
  commands?: CommandCheck,
): { group: PlannedGroup; issues?: undefined } | { group?: undefined; issues: PlanIssue[] } {
  if (group.issues.length > 0) return { issues: [...group.issues] };
  const ref = nameKey(group.ref);
  const override = group.nodes.find((n) => n.name === node.name);
  const iface = override?.interface ?? group.interface;
  const unicastSrc = override?.unicastSource ?? group.unicastSource;
  const config: VrrpInstanceConfig = {
    name: ref,
    vrid: group.virtualRouterId,
    version: group.version,
    family: group.family,
    interface: iface,
    priority: override?.priority ?? group.priority,
    advertIntervalMs: group.advertIntervalMs,
    preempt: group.preempt,
    preemptDelayMs: group.preemptDelayMs,
    virtualIPs: group.virtualIPs.map((v) => ({ address: v.address.text, prefixLength: v.prefixLength })),
    unicastPeers: group.unicastPeers.map((p) => p.text),
    ...(unicastSrc === undefined ? {} : { unicastSrc: unicastSrc.text }),
    auth: group.password === undefined ? { type: 'none' } : { type: 'pass', password: group.password },
    acceptMode: group.acceptMode,
    trackInterfaces: group.trackInterfaces.map((t) => ({ name: t.name, weight: t.weight })),
    trackScripts: group.trackScripts.filter(
      (t, i) => commands?.allows(t.command, ['spec', 'trackScripts', i, 'command'], 'track-script') ?? true,
    ),
    garp: group.garp,
    notify: commands ? commands.hooks(group.notify, ['spec', 'notify']) : group.notify,
  };
  const sync = group.connectionSync;
  return {
    group: {
      object: group.ref,
      ref,
      config,
      ...(sync
        ? { connectionSync: { interface: sync.interface ?? iface, syncId: sync.syncId ?? group.virtualRouterId } }
        : {}),
      ...(group.syncGroup === undefined ? {} : { syncGroup: group.syncGroup }),
    },
  };
}
