/**
 * The cluster administrator's deny list of VIPs (`--deny-vip CIDR`, repeatable): a tenant's
 * VrrpGroup or VirtualServer may not take an address the node needs (the API server's
 * address, the Service CIDR, the node network). Pure: objects in, objects allowed and one
 * issue per denied address out; a denied object is left out whole, the others proceed.
 */
import ipaddr from 'ipaddr.js';
import { parseAddressWithPrefix, type ManifestObject, type ParsedPrefix } from '../api/index.js';
import type { PlanIssue } from './plan-types.js';

/** The condition / Event reason of a VIP in the deny list. */
export const VIP_DENIED = 'VipDenied';

/** The first entry of `deny` that contains `address`, or undefined. */
function denying(deny: readonly ParsedPrefix[], address: string): ParsedPrefix | undefined {
  const a = parseAddressWithPrefix(address);
  if (!a) return undefined;
  const ip = ipaddr.fromByteArray([...a.ip.bytes]);
  return deny.find(
    (d) => d.ip.family === a.ip.family && ip.match(ipaddr.fromByteArray([...d.ip.bytes]), d.prefixLength),
  );
}

const text = (d: ParsedPrefix) => `${d.ip.text}/${d.prefixLength}`;

/** The addresses of an object that can be VIPs, with their paths. */
function vipsOf(o: ManifestObject): { path: (string | number)[]; address: string }[] {
  switch (o.kind) {
    case 'VrrpGroup':
      return [
        ...o.spec.virtualIPs.map((v, i) => ({ path: ['spec', 'virtualIPs', i, 'address'], address: v.address })),
        ...(o.spec.excludedVirtualIPs ?? []).map((v, i) => ({
          path: ['spec', 'excludedVirtualIPs', i, 'address'],
          address: v.address,
        })),
      ];
    case 'VirtualServer':
      return (o.spec.addresses ?? []).map((a, i) => ({ path: ['spec', 'addresses', i, 'ip'], address: a.ip }));
    default:
      return [];
  }
}

/** Splits objects into those whose VIPs are all allowed and one issue per denied VIP. */
export function screenDeniedVips(
  objects: readonly ManifestObject[],
  deny: readonly ParsedPrefix[],
): { allowed: ManifestObject[]; issues: PlanIssue[] } {
  if (deny.length === 0) return { allowed: [...objects], issues: [] };
  const allowed: ManifestObject[] = [];
  const issues: PlanIssue[] = [];
  for (const o of objects) {
    const found = vipsOf(o).flatMap(({ path, address }) => {
      const d = denying(deny, address);
      return d ? [{ path, address, d }] : [];
    });
    if (found.length === 0) {
      allowed.push(o);
      continue;
    }
    for (const { path, address, d } of found) {
      issues.push({
        ref: `${o.metadata.namespace}/${o.metadata.name}`,
        kind: o.kind as PlanIssue['kind'],
        path,
        message: `${address} is in ${text(d)}, which the cluster administrator does not allow as a VIP (--deny-vip)`,
        transient: false,
        reason: VIP_DENIED,
      });
    }
  }
  return { allowed, issues };
}
