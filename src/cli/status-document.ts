import type { WallClock } from '../core/index.js';
import { nameKey } from '../model/index.js';
import { realserverStatusItems, type PassReport } from '../realserver/index.js';
import {
  STATUS_DOCUMENT_VERSION,
  statusConditions,
  type AcceptedVip,
  type NodeIssue,
  type NodeRole,
  type NodeStatusDocument,
  type NodeStatusItem,
  type StatusEvent,
} from '../status/index.js';

/** The role-specific parts of a node's /status document. */
export type StatusParts = Pick<NodeStatusDocument, 'director' | 'realserver'>;

/** The realserver role's part: the VIPs it accepts for this node's real servers. */
export function realserverStatusPart(pass: PassReport | undefined): NonNullable<StatusParts['realserver']> {
  return {
    vips: (pass?.vips ?? []).map((v): AcceptedVip => ({
      vip: v.vip,
      mode: v.mode,
      configured: v.configured,
      ...(v.message === undefined ? {} : { message: v.message }),
      address: v.address,
      virtualServer: nameKey(v.virtualServer),
      ...(v.realServer ? { realServer: nameKey(v.realServer) } : {}),
    })),
  };
}

/** The realserver role's status items and issues after its last pass. */
export function realserverReport(
  node: string,
  pass: PassReport | undefined,
): { items: NodeStatusItem[]; issues: NodeIssue[] } {
  if (!pass) return { items: [], issues: [] };
  const issues = pass.issues.map((i) => ({ ref: i.object, reason: i.reason, message: `${i.path}: ${i.message}` }));
  return { items: realserverStatusItems(node, pass.realServers, pass.inline), issues };
}

/** What a running node puts together for `GET /status`. */
export interface StatusDocumentSources {
  readonly node: string;
  readonly roles: readonly NodeRole[];
  readonly wallClock: WallClock;
  /** The node's status items and issues now (conditions). */
  readonly report: () => { readonly items: readonly NodeStatusItem[]; readonly issues: readonly NodeIssue[] };
  readonly parts: () => Promise<StatusParts>;
  /** The node's recent Events, oldest first. */
  readonly events: { list(): readonly StatusEvent[] };
}

/** The `/status` handler: one document per request, built from the node's live state. */
export function statusDocument(sources: StatusDocumentSources): () => Promise<NodeStatusDocument> {
  return async () => {
    const parts = await sources.parts();
    const { items, issues } = sources.report();
    return {
      version: STATUS_DOCUMENT_VERSION,
      node: sources.node,
      roles: [...sources.roles],
      time: sources.wallClock.now().toISOString(),
      ...parts,
      conditions: statusConditions(items, issues),
      events: [...sources.events.list()],
    };
  };
}
