/**
 * The cluster administrator's say over which addresses may be VIPs (`--allow-vip` and
 * `--deny-vip`, from the chart's `vips` values). A tenant's object may otherwise name any
 * unicast address: on a director that is an address the node answers for, on a backend an
 * address put on `lo` or redirected to the node, which would take traffic meant for someone
 * else (the API server, a Service, a resolver). Pure; both node roles apply it.
 */
import ipaddr from 'ipaddr.js';
import { parseAddressWithPrefix, type ParsedPrefix } from './address.js';
import type { ManifestObject } from './validate.js';

export interface VipPolicy {
  /** Ranges VIPs must fall in; empty: any address the schema accepts. */
  readonly allow: readonly ParsedPrefix[];
  /** Ranges no VIP may fall in; checked after `allow`. */
  readonly deny: readonly ParsedPrefix[];
}

/** No administrator's ranges: standalone, and a cluster that sets none. */
export const OPEN_VIP_POLICY: VipPolicy = { allow: [], deny: [] };

/** The condition / Event reason of a VIP the policy refuses. */
export const VIP_DENIED = 'VipDenied';

const cidrText = (d: ParsedPrefix) => `${d.ip.text}/${d.prefixLength}`;

function within(ranges: readonly ParsedPrefix[], a: ParsedPrefix): ParsedPrefix | undefined {
  const ip = ipaddr.fromByteArray([...a.ip.bytes]);
  return ranges.find(
    (r) => r.ip.family === a.ip.family && ip.match(ipaddr.fromByteArray([...r.ip.bytes]), r.prefixLength),
  );
}

/** Why the policy refuses `address` ("10.0.0.1" or "10.0.0.1/24") as a VIP, or undefined. */
export function vipRefusal(policy: VipPolicy, address: string): string | undefined {
  if (policy.allow.length === 0 && policy.deny.length === 0) return undefined;
  const a = parseAddressWithPrefix(address);
  if (!a) return undefined; // the schema has refused it already
  if (policy.allow.length > 0 && !within(policy.allow, a)) {
    const ranges = policy.allow.map(cidrText);
    const shown = ranges.length > 4 ? `${ranges.slice(0, 4).join(', ')}, ...` : ranges.join(', ');
    return `${address} is outside the ranges the cluster administrator allows for VIPs (--allow-vip: ${shown})`;
  }
  const denied = within(policy.deny, a);
  if (denied) {
    return `${address} is in ${cidrText(denied)}, which the cluster administrator does not allow as a VIP (--deny-vip)`;
  }
  return undefined;
}

/** The addresses of an object that a node takes or announces as VIPs, with their paths. */
export function vipsOf(o: ManifestObject): { path: (string | number)[]; address: string }[] {
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
