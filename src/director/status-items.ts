/**
 * Pure: the status items a director reports, from its {@link DirectorStatus}. Each node
 * applies them under its own field manager; the status lists are server-side-apply maps (src/api
 * `listMapKeys`), so a node owns exactly its items: VrrpGroup `status.nodes` keyed by node,
 * VirtualServer `status.realServers` keyed by address/port/director, RealServer
 * `status.health` keyed by director/virtualServer.
 */
import type { RealServerStatus, VrrpGroupStatus } from '../api/index.js';
import { realServerStatusEntry, type RealServerStatusEntry } from '../health/index.js';
import { refKey } from '../model/index.js';
import type { NodeStatusItem } from '../status/index.js';
import type { DirectorStatus } from './director.js';
import { VIP_CONFLICT } from './vip-conflicts.js';
import { VIP_NOT_ACCEPTED } from './vip-acceptance.js';

type GroupNodeItem = NonNullable<VrrpGroupStatus['nodes']>[number];
type HealthEntry = NonNullable<RealServerStatus['health']>[number];

/** VRRP state names as the API spells them (src/api VRRP_STATES). */
const API_STATE: Readonly<Record<string, GroupNodeItem['state']>> = {
  initialize: 'Initialize',
  backup: 'Backup',
  master: 'Master',
  fault: 'Fault',
};

/**
 * The director's items: one `status.nodes` item per VrrpGroup it runs (with the time it last
 * saw the state change, from `transitionTimes`, keyed by group ref), and per VirtualServer it
 * plans one `status.realServers` item per real server with `director` set to this node. A
 * VirtualServer without real servers still gets an (empty) list, which holds its finalizer
 * until this node has removed the service. `weight` is the weight the kernel has: the health
 * monitor's while the service is programmed here and the server is not down, otherwise 0.
 */
export function directorStatusItems(
  node: string,
  status: DirectorStatus,
  transitionTimes: ReadonlyMap<string, string>,
): NodeStatusItem[] {
  const groups: NodeStatusItem[] = status.groups.map((g) => {
    const since = transitionTimes.get(g.ref);
    const item: GroupNodeItem = {
      node,
      state: API_STATE[g.state] ?? 'Initialize',
      effectivePriority: g.effectivePriority,
      ...(since !== undefined ? { lastTransitionTime: since } : {}),
      // The controller turns this into the group's Conflict condition (reason VipConflict).
      ...(g.vipConflicts && g.vipConflicts.length > 0
        ? {
            reason:
              `${VIP_CONFLICT}: ${g.vipConflicts.join(', ')} already on the node, not added by lvs-operator: left alone`.slice(
                0,
                256,
              ),
          }
        : {}),
    };
    return { ref: g.object, status: { nodes: [item] } };
  });
  const services: NodeStatusItem[] = status.services.map((s) => {
    const realServers: RealServerStatusEntry[] = [];
    for (const rs of s.realServers) {
      const entry = realServerEntry(node, s.programmed, rs);
      if (entry) realServers.push(entry);
    }
    return { ref: s.object, status: { realServers } };
  });
  return [...groups, ...services, ...realServerHealthItems(node, status)];
}

/**
 * One real server as this director reports it; a server failing outside its checks (its node
 * cannot accept the VIP) is Down at weight 0 with the verdict as its reason, as the table has it.
 */
export function realServerEntry(
  node: string,
  programmed: boolean,
  rs: DirectorStatus['services'][number]['realServers'][number],
): RealServerStatusEntry | undefined {
  if (!rs.health) return undefined;
  const server = { address: rs.key.address.text, port: rs.key.port };
  if (rs.failing !== undefined) {
    const entry = realServerStatusEntry(server, rs.health, node, 0);
    return { ...entry, health: 'Down', reason: `${VIP_NOT_ACCEPTED}: ${rs.failing}`.slice(0, 1024) };
  }
  const weight = programmed && rs.health.state !== 'Down' ? rs.health.weight : 0;
  return realServerStatusEntry(server, rs.health, node, weight);
}

/**
 * Every RealServer object selected by a VirtualServer this director plans gets an item (an
 * empty list while health is not known yet), so the object's deletion waits until this
 * director has taken the server out of its table and withdrawn the item.
 */
function realServerHealthItems(node: string, status: DirectorStatus): NodeStatusItem[] {
  const health = new Map<string, { item: NodeStatusItem; entries: HealthEntry[] }>();
  for (const s of status.services) {
    for (const rs of s.realServers) {
      if (!rs.realServer) continue;
      const key = refKey(rs.realServer);
      const entries = health.get(key)?.entries ?? [];
      health.set(key, { item: { ref: rs.realServer, status: { health: entries } }, entries });
      const entry = realServerEntry(node, s.programmed, rs);
      if (!entry) continue;
      entries.push({
        director: node,
        virtualServer: s.object.name,
        state: entry.health,
        weight: entry.weight,
        ...(entry.reason !== undefined ? { reason: entry.reason } : {}),
        ...(entry.since !== undefined ? { since: entry.since } : {}),
      });
    }
  }
  return [...health.values()].map((h) => h.item);
}

/**
 * The group items of a director that has stopped gracefully (priority 0 sent, VIPs released):
 * state Stopped, effective priority 0, so nobody reads a stopped node as the master.
 */
export function stoppedGroupItems(items: readonly NodeStatusItem[], now: string): NodeStatusItem[] {
  return items.flatMap(({ ref, status }) =>
    ref.kind === 'VrrpGroup' && 'nodes' in status
      ? [
          {
            ref,
            status: {
              nodes: (status.nodes ?? []).map((n) => ({
                node: n.node,
                state: 'Stopped' as const,
                effectivePriority: 0,
                lastTransitionTime: now,
              })),
            },
          },
        ]
      : [],
  );
}
