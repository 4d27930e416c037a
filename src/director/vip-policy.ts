/**
 * The director's side of the cluster administrator's VIP policy: a VrrpGroup or VirtualServer
 * with a VIP the policy refuses is left out whole, with one issue per refused address; the
 * other entries proceed. Pure.
 */
import { vipRefusal, VIP_DENIED, type ParsedPrefix, type VipPolicy } from '../api/index.js';
import type { FieldPath, GroupModel, Model, ServiceModel } from '../model/index.js';
import type { PlanIssue } from './plan-types.js';

/** The addresses of an entry that a node takes or announces as VIPs, with their paths. */
function vipsOf(e: GroupModel | ServiceModel): { path: FieldPath; vip: ParsedPrefix }[] {
  if (e.ref.kind === 'VrrpGroup' && 'virtualIPs' in e) {
    return [
      ...e.virtualIPs.map((v, i) => ({
        path: ['spec', 'virtualIPs', i, 'address'],
        vip: { ip: v.address, prefixLength: v.prefixLength },
      })),
      ...e.excludedVirtualIPs.map((v, i) => ({
        path: ['spec', 'excludedVirtualIPs', i, 'address'],
        vip: { ip: v.address, prefixLength: v.prefixLength },
      })),
    ];
  }
  if ('addresses' in e) {
    return e.addresses.map((a, i) => ({
      path: ['spec', 'addresses', i, 'ip'],
      vip: { ip: a.ip, prefixLength: a.ip.family === 4 ? 32 : 128 },
    }));
  }
  return [];
}

/** Splits the model into the entries whose VIPs the policy allows and one issue per refused VIP. */
export function screenVips(model: Model, policy: VipPolicy): { allowed: Model; issues: PlanIssue[] } {
  const issues: PlanIssue[] = [];
  const allowed = <T extends GroupModel | ServiceModel>(e: T): boolean => {
    const refused = vipsOf(e).flatMap(({ path, vip }) => {
      const message = vipRefusal(policy, vip);
      return message ? [{ path, message }] : [];
    });
    for (const { path, message } of refused) {
      issues.push({ object: e.ref, path, message, transient: false, reason: VIP_DENIED });
    }
    return refused.length === 0;
  };
  return {
    allowed: { ...model, groups: model.groups.filter(allowed), services: model.services.filter(allowed) },
    issues,
  };
}
