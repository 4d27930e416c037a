/**
 * Pure: the status items one node reports, and which objects it must withdraw them from.
 * Each node applies these under its own field manager (`lvs-operator/<node>`); the status
 * lists are server-side-apply maps (src/api `listMapKeys`), so a node owns exactly its items:
 * VrrpGroup `status.nodes` keyed by node, VirtualServer `status.realServers` keyed by
 * address/port/director, RealServer `status.vips` keyed by vip.
 */
import type { Kind, RealServerStatus, VirtualServerStatus, VrrpGroupStatus } from '../api/index.js';
import type { DirectorStatus } from '../director/index.js';
import { realServerStatusEntry, type RealServerStatusEntry } from '../health/index.js';
import type { RealServerVips } from '../realserver/index.js';
import type { LvsObjectRef } from './object-ref.js';

/** The field manager of a node's writer; the controller recognises nodes by this prefix. */
export function nodeFieldManager(node: string): string {
  return `lvs-operator/${node}`;
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
): NodeStatusItem[] {
  const groups: NodeStatusItem[] = status.groups.map((g) => {
    const since = transitionTimes.get(g.ref);
    const item: GroupNodeItem = {
      node,
      state: API_STATE[g.state] ?? 'Initialize',
      effectivePriority: g.effectivePriority,
      ...(since !== undefined ? { lastTransitionTime: since } : {}),
    };
    return { ref: refOf('VrrpGroup', g.ref), status: { nodes: [item] } };
  });
  const services: NodeStatusItem[] = status.services.map((s) => {
    const realServers: RealServerStatusEntry[] = [];
    for (const rs of s.realServers) {
      if (!rs.health) continue;
      const server = { address: rs.address, port: rs.port };
      const weight = s.programmed && rs.health.state !== 'Down' ? rs.health.weight : 0;
      realServers.push(realServerStatusEntry(server, rs.health, node, weight));
    }
    return { ref: refOf('VirtualServer', s.ref), status: { realServers } };
  });
  return [...groups, ...services];
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

/** The realserver's items: `status.vips` of every RealServer object of this node. */
export function realserverStatusItems(realServers: readonly RealServerVips[]): NodeStatusItem[] {
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
