/**
 * Pure: the status items one node reports, and which objects it must withdraw them from.
 * Each node applies these under its own field manager (`lvs-operator/<node>`); the status
 * lists are server-side-apply maps (src/api `listMapKeys`), so a node owns exactly its items:
 * VrrpGroup `status.nodes` keyed by node, VirtualServer `status.realServers` keyed by
 * address/port/director and `status.realServerVips` keyed by node/address/vip, RealServer
 * `status.vips` keyed by vip and `status.health` keyed by director/virtualServer.
 */
import type { Kind, RealServerStatus, VirtualServerStatus, VrrpGroupStatus } from '../api/index.js';
import type { DirectorStatus, ExternalVerdicts } from '../director/index.js';
// The constant's own module: its imports are types only, so the kube layer loads no director code.
import { VIP_CONFLICT } from '../director/vip-conflicts.js';
import { realServerStatusEntry, type RealServerStatusEntry } from '../health/index.js';
import type { InlineVips, RealServerVips } from '../realserver/index.js';
import type { LvsObjectRef } from './object-ref.js';

/** The node roles that write status. */
export type NodeRole = 'director' | 'realserver';

const NODE_MANAGER_PREFIX = 'lvs-operator/';

/**
 * The field manager of a node role's writer: `lvs-operator/<node>` for the director,
 * `lvs-operator/<node>/realserver` for the realserver role. One per role, because a node that
 * runs both writes to the same objects (VirtualServer, RealServer) from two processes, and an
 * apply withdraws whatever its manager owned and left out. Node names hold no slash.
 */
export function nodeFieldManager(node: string, role: NodeRole = 'director'): string {
  return role === 'director' ? `${NODE_MANAGER_PREFIX}${node}` : `${NODE_MANAGER_PREFIX}${node}/${role}`;
}

/** The node of a node role's field manager; undefined for any other manager (the controller's). */
export function nodeOfFieldManager(manager: string, controllerManager: string): string | undefined {
  if (!manager.startsWith(NODE_MANAGER_PREFIX) || manager === controllerManager) return undefined;
  const node = manager.slice(NODE_MANAGER_PREFIX.length).split('/')[0];
  return node === '' ? undefined : node;
}

/** The part of one object's status a node owns. */
export interface NodeStatusItem {
  readonly ref: LvsObjectRef;
  readonly status: VrrpGroupStatus | VirtualServerStatus | RealServerStatus;
}

type GroupNodeItem = NonNullable<VrrpGroupStatus['nodes']>[number];

/** VRRP state names as the API spells them (src/api VRRP_STATES). */
const API_STATE: Readonly<Record<string, GroupNodeItem['state']>> = {
  initialize: 'Initialize',
  backup: 'Backup',
  master: 'Master',
  fault: 'Fault',
};

/** "namespace/name" as the director plans refer to objects (neither part can hold a slash). */
export function refOf(kind: Kind, namespaceName: string): LvsObjectRef {
  const i = namespaceName.indexOf('/');
  return { kind, namespace: namespaceName.slice(0, i), name: namespaceName.slice(i + 1) };
}

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
  failing: ExternalVerdicts = new Map(),
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
    return { ref: refOf('VrrpGroup', g.ref), status: { nodes: [item] } };
  });
  const services: NodeStatusItem[] = status.services.map((s) => {
    const realServers: RealServerStatusEntry[] = [];
    for (const rs of s.realServers) {
      const entry = realServerEntry(node, s.programmed, rs, failing.get(s.ref)?.get(rs.id));
      if (entry) realServers.push(entry);
    }
    return { ref: refOf('VirtualServer', s.ref), status: { realServers } };
  });
  return [...groups, ...services];
}

/**
 * One real server as this director reports it; a server failing outside its checks (an
 * external verdict) is Down at weight 0 with the verdict as its reason, as the table has it.
 */
export function realServerEntry(
  node: string,
  programmed: boolean,
  rs: DirectorStatus['services'][number]['realServers'][number],
  verdict: string | undefined,
): RealServerStatusEntry | undefined {
  if (!rs.health) return undefined;
  const server = { address: rs.address, port: rs.port };
  if (verdict !== undefined) {
    const entry = realServerStatusEntry(server, rs.health, node, 0);
    return { ...entry, health: 'Down', reason: `${VIP_NOT_ACCEPTED}: ${verdict}`.slice(0, 1024) };
  }
  const weight = programmed && rs.health.state !== 'Down' ? rs.health.weight : 0;
  return realServerStatusEntry(server, rs.health, node, weight);
}

/** The reason (status, Event) of a real server whose node cannot accept the service's VIP. */
export const VIP_NOT_ACCEPTED = 'VipNotAccepted';

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

/** An object as the cache holds it, with the bookkeeping the API server adds. */
export interface CachedObject {
  readonly metadata?: {
    readonly namespace?: string;
    readonly name?: string;
    readonly managedFields?: readonly {
      readonly manager?: string;
      readonly subresource?: string;
      readonly fieldsV1?: { readonly 'f:status'?: object };
    }[];
  };
}

/**
 * Objects of `kind` where `fieldManager` still owns status items although this node reports
 * nothing for them any more (deleted, no longer selected, left the node): the node applies an
 * empty status there, which withdraws its items. Reading ownership from managedFields, not from
 * memory, also catches what a previous run of the node left behind.
 */
export function staleStatusRefs(
  kind: Kind,
  cached: readonly CachedObject[],
  fieldManager: string,
  reported: readonly NodeStatusItem[],
): LvsObjectRef[] {
  const live = new Set(reported.map((i) => `${i.ref.kind}/${i.ref.namespace}/${i.ref.name}`));
  const stale: LvsObjectRef[] = [];
  for (const o of cached) {
    const namespace = o.metadata?.namespace ?? '';
    const name = o.metadata?.name ?? '';
    if (live.has(`${kind}/${namespace}/${name}`)) continue;
    const owns = (o.metadata?.managedFields ?? []).some(
      (f) =>
        f.manager === fieldManager &&
        f.subresource === 'status' &&
        Object.keys(f.fieldsV1?.['f:status'] ?? {}).length > 0,
    );
    if (owns) stale.push({ kind, namespace, name });
  }
  return stale;
}

/**
 * Objects of `kind` where `fieldManager` owns `status.<field>`. A role whose field manager
 * changed withdraws what it wrote under the old one with this (the realserver role wrote
 * RealServer `status.vips` as `lvs-operator/<node>` before it had a manager of its own), since
 * a live node's items would otherwise hold the object's finalizer for good.
 */
export function ownedStatusFieldRefs(
  kind: Kind,
  cached: readonly CachedObject[],
  fieldManager: string,
  field: string,
): LvsObjectRef[] {
  return cached.flatMap((o) =>
    (o.metadata?.managedFields ?? []).some(
      (f) =>
        f.manager === fieldManager && f.subresource === 'status' && `f:${field}` in (f.fieldsV1?.['f:status'] ?? {}),
    )
      ? [{ kind, namespace: o.metadata?.namespace ?? '', name: o.metadata?.name ?? '' }]
      : [],
  );
}
