/**
 * Pure: a director's `status.health` items of RealServer objects, one entry per VirtualServer
 * that selects the object and that this director plans, keyed by director and VirtualServer
 * (listMapKeys in src/api), so directors never remove each other's entries.
 */
import {
  matchesSelector,
  parseIP,
  type ManifestObject,
  type RealServer,
  type RealServerStatus,
  type VirtualServer,
} from '../api/index.js';
import type { DirectorStatus, ExternalVerdicts } from '../director/index.js';
import { realServerEntry, type NodeStatusItem } from './node-status.js';

type HealthEntry = NonNullable<RealServerStatus['health']>[number];

/** "namespace/name" of an object. */
const nameOf = (o: { metadata: { namespace: string; name: string } }): string =>
  `${o.metadata.namespace}/${o.metadata.name}`;

/** The backend id the director plans a RealServer under: "address:port", IPv6 in brackets. */
export function backendIdOf(vs: VirtualServer, spec: Pick<RealServer['spec'], 'address' | 'port'>): string | undefined {
  const ip = parseIP(spec.address);
  if (!ip) return undefined;
  const port = spec.port ?? (vs.spec.fwmark !== undefined ? 0 : (vs.spec.addresses?.[0]?.port ?? 0));
  return ip.family === 6 ? `[${ip.text}]:${port}` : `${ip.text}:${port}`;
}

/** RealServer objects a VirtualServer selects (same namespace, label selector). */
export function selectedRealServers(vs: VirtualServer, objects: readonly ManifestObject[]): RealServer[] {
  const selector = vs.spec.realServerSelector;
  if (!selector) return [];
  return objects.filter(
    (o): o is RealServer =>
      o.kind === 'RealServer' &&
      o.metadata.namespace === vs.metadata.namespace &&
      matchesSelector(selector, o.metadata.labels),
  );
}

/**
 * Every RealServer object selected by a VirtualServer this director plans gets an item (an
 * empty list while health is not known yet), so the object's deletion waits until this director
 * has taken the server out of its table and withdrawn the item.
 */
export function directorRealServerItems(
  node: string,
  status: DirectorStatus,
  objects: readonly ManifestObject[],
  failing: ExternalVerdicts = new Map(),
): NodeStatusItem[] {
  const services = new Map(
    objects.filter((o): o is VirtualServer => o.kind === 'VirtualServer').map((vs) => [nameOf(vs), vs]),
  );
  const health = new Map<string, { rs: RealServer; entries: HealthEntry[] }>();
  for (const s of status.services) {
    const vs = services.get(s.ref);
    if (!vs) continue;
    for (const rs of selectedRealServers(vs, objects)) {
      const item = health.get(nameOf(rs)) ?? { rs, entries: [] };
      health.set(nameOf(rs), item);
      const id = backendIdOf(vs, rs.spec);
      const planned = s.realServers.find((r) => r.id === id);
      if (!planned) continue;
      const entry = realServerEntry(node, s.programmed, planned, failing.get(s.ref)?.get(planned.id));
      if (!entry) continue;
      item.entries.push({
        director: node,
        virtualServer: vs.metadata.name,
        state: entry.health,
        weight: entry.weight,
        ...(entry.reason !== undefined ? { reason: entry.reason } : {}),
        ...(entry.since !== undefined ? { since: entry.since } : {}),
      });
    }
  }
  return [...health.values()].map(({ rs, entries }) => ({
    ref: { kind: 'RealServer', namespace: rs.metadata.namespace, name: rs.metadata.name },
    status: { health: entries },
  }));
}
