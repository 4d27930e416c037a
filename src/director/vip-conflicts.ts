import type { VipConflict, VrrpInstanceConfig } from '../vrrp/index.js';
import type { ObjectRef } from '../model/index.js';
import type { PlanIssue } from './plan-types.js';

/** The condition / Event reason of a VIP that is already on the node and not ours. */
export const VIP_CONFLICT = 'VipConflict';

/**
 * One issue per VIP the speaker found on the node without having added it (the node's own
 * address, an administrator's): the VrrpGroup keeps running and that VIP is left alone.
 */
export function vipConflictIssues(
  conflicts: readonly VipConflict[],
  groups: readonly { readonly object: ObjectRef; readonly config: VrrpInstanceConfig }[],
  node: string,
): PlanIssue[] {
  return conflicts.flatMap((c) => {
    const group = groups.find((g) => g.config.name === c.instance);
    if (!group) return [];
    const index = group.config.virtualIPs.findIndex((v) => v.address === c.address);
    return {
      object: group.object,
      path: index >= 0 ? ['spec', 'virtualIPs', index, 'address'] : ['spec', 'virtualIPs'],
      message:
        `${c.address} is already on ${c.iface} of node ${node} and was not added by lvs-operator ` +
        '(an address of the node itself?): it is left alone, never added or removed; use a free address',
      transient: false,
      reason: VIP_CONFLICT,
    };
  });
}
