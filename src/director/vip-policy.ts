/**
 * The director's side of the cluster administrator's VIP policy: a VrrpGroup or VirtualServer
 * with a VIP the policy refuses is left out whole, with one issue per refused address; the
 * other objects proceed. Pure.
 */
import { vipRefusal, vipsOf, VIP_DENIED, type ManifestObject, type VipPolicy } from '../api/index.js';
import type { PlanIssue } from './plan-types.js';

/** Splits objects into those whose VIPs the policy allows and one issue per refused VIP. */
export function screenVips(
  objects: readonly ManifestObject[],
  policy: VipPolicy,
): { allowed: ManifestObject[]; issues: PlanIssue[] } {
  const allowed: ManifestObject[] = [];
  const issues: PlanIssue[] = [];
  for (const o of objects) {
    const refused = vipsOf(o).flatMap(({ path, address }) => {
      const message = vipRefusal(policy, address);
      return message ? [{ path, message }] : [];
    });
    if (refused.length === 0) {
      allowed.push(o);
      continue;
    }
    for (const { path, message } of refused) {
      issues.push({
        ref: `${o.metadata.namespace}/${o.metadata.name}`,
        kind: o.kind as PlanIssue['kind'],
        path,
        message,
        transient: false,
        reason: VIP_DENIED,
      });
    }
  }
  return { allowed, issues };
}
