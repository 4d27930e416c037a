/**
 * Pure: the status items the realserver role reports. Each node applies them under its own
 * field manager (`lvs-operator/<node>/realserver`): RealServer `status.vips` keyed by vip, and
 * VirtualServer `status.realServerVips` keyed by node/address/vip.
 */
import type { NodeStatusItem } from '../status/index.js';
import type { RealServerVips } from './reconciler.js';
import type { InlineVips } from './status.js';

/**
 * The realserver's items: `status.vips` of every RealServer object of this node, and
 * `status.realServerVips` (keyed by this node and the server's address) of every VirtualServer
 * whose inline real servers it accepts VIPs for. The latter also holds the VirtualServer's
 * finalizer until this node has removed its VIPs, rules and sysctls for it.
 */
export function realserverStatusItems(
  node: string,
  realServers: readonly RealServerVips[],
  inline: readonly InlineVips[] = [],
): NodeStatusItem[] {
  const services: NodeStatusItem[] = inline.map((i) => ({
    ref: { kind: 'VirtualServer', namespace: i.virtualServer.namespace, name: i.virtualServer.name },
    status: {
      realServerVips: i.vips.map((v) => ({
        node,
        address: v.address,
        vip: v.vip,
        mode: v.mode,
        configured: v.configured,
        ...(v.message !== undefined ? { message: v.message.slice(0, 1024) } : {}),
      })),
    },
  }));
  return [...objectItems(realServers), ...services];
}

function objectItems(realServers: readonly RealServerVips[]): NodeStatusItem[] {
  return realServers.map((r) => ({
    ref: { kind: 'RealServer', namespace: r.realServer.namespace, name: r.realServer.name },
    status: {
      vips: r.vips.map((v) => ({
        vip: v.vip,
        mode: v.mode,
        configured: v.configured,
        ...(v.message !== undefined ? { message: v.message.slice(0, 1024) } : {}),
      })),
    },
  }));
}
