/**
 * The cluster administrator's say over which addresses may be VIPs (`--allow-vip` and
 * `--deny-vip`, from the chart's `vips` values). A tenant's object may otherwise name any
 * unicast address: on a director that is an address the node answers for, on a backend an
 * address put on `lo` or redirected to the node, which would take traffic meant for someone
 * else (the API server, a Service, a resolver). Pure; both node roles apply it.
 */
import ipaddr from 'ipaddr.js';
import type { ParsedPrefix } from './address.js';

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

/** Why the policy refuses a VIP (an address, or an address with its prefix), or undefined. */
export function vipRefusal(policy: VipPolicy, vip: ParsedPrefix): string | undefined {
  if (policy.allow.length === 0 && policy.deny.length === 0) return undefined;
  const address = vip.prefixLength === (vip.ip.family === 4 ? 32 : 128) ? vip.ip.text : cidrText(vip);
  if (policy.allow.length > 0 && !within(policy.allow, vip)) {
    const ranges = policy.allow.map(cidrText);
    const shown = ranges.length > 4 ? `${ranges.slice(0, 4).join(', ')}, ...` : ranges.join(', ');
    return `${address} is outside the ranges the cluster administrator allows for VIPs (--allow-vip: ${shown})`;
  }
  const denied = within(policy.deny, vip);
  if (denied) {
    return `${address} is in ${cidrText(denied)}, which the cluster administrator does not allow as a VIP (--deny-vip)`;
  }
  return undefined;
}
