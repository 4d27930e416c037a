/**
 * Pure: which real servers of the services a director plans cannot take DR or TUN traffic,
 * because the realserver role of their node reports that it could not accept the VIP
 * (RealServer `status.vips`, VirtualServer `status.realServerVips` for inline servers), or,
 * for a server that names its `node`, reports nothing for the VIP within a grace period. The
 * director treats them as failing (src/director ExternalVerdicts).
 *
 * A server without `node` is matched to its node by address, which only its node knows: when
 * no report comes, the VIP may well be accepted by hand (mode None is the explicit way to say
 * so, but is not required), so silence counts against a server only when it names its node.
 */
import {
  parseIP,
  type InlineRealServer,
  type ManifestObject,
  type RealServer,
  type VirtualServer,
} from '../api/index.js';
import type { DirectorStatus, ExternalVerdicts } from '../director/index.js';
import { backendIdOf, selectedRealServers } from './director-realservers.js';
import type { NodeIssue } from './node-events.js';
import { VIP_NOT_ACCEPTED } from './node-status.js';

/** How long a server that names its node may go without a report for a VIP. */
export const VIP_REPORT_GRACE_MS = 30_000;

export interface VipAcceptanceInput {
  /** The services this director plans. */
  readonly services: DirectorStatus['services'];
  /** The live objects, with the status the realserver roles wrote. */
  readonly objects: readonly ManifestObject[];
  /** When this director first planned each real server, by {@link plannedKey}. */
  readonly firstPlannedMs: ReadonlyMap<string, number>;
  readonly nowMs: number;
  readonly graceMs?: number;
}

export interface VipAcceptance {
  readonly failing: ExternalVerdicts;
  /** One VipNotAccepted issue per VirtualServer with failing servers (an Event when it changes). */
  readonly issues: readonly NodeIssue[];
}

/** The key of one planned real server: service ref and backend id. */
export const plannedKey = (serviceRef: string, backendId: string): string => `${serviceRef}|${backendId}`;

interface Report {
  readonly configured: boolean;
  readonly message?: string;
  readonly node?: string;
}

interface Backend {
  readonly spec: InlineRealServer | RealServer['spec'];
  /** What the realserver role reported, by canonical VIP. */
  readonly reports: ReadonlyMap<string, Report>;
}

function backendsOf(vs: VirtualServer, objects: readonly ManifestObject[]): Backend[] {
  const inlineReports = vs.status?.realServerVips ?? [];
  const inline = (vs.spec.realServers ?? []).map((spec) => {
    const address = parseIP(spec.address)?.text;
    const reports = new Map<string, Report>();
    for (const r of inlineReports) {
      if (r.address !== address) continue;
      const vip = parseIP(r.vip)?.text ?? r.vip;
      if (reports.get(vip)?.configured === false) continue; // a failing node outweighs another's success
      reports.set(vip, { configured: r.configured, node: r.node, ...(r.message ? { message: r.message } : {}) });
    }
    return { spec, reports };
  });
  const selected = selectedRealServers(vs, objects).map((rs) => ({
    spec: rs.spec,
    reports: new Map(
      (rs.status?.vips ?? []).map((v): [string, Report] => [
        parseIP(v.vip)?.text ?? v.vip,
        { configured: v.configured, ...(v.message ? { message: v.message } : {}) },
      ]),
    ),
  }));
  return [...inline, ...selected];
}

/** Why a backend cannot take the service's traffic, or undefined. */
function verdictOf(
  vs: VirtualServer,
  b: Backend,
  vips: readonly string[],
  plannedForMs: number,
  graceMs: number,
): string | undefined {
  const forwarding = b.spec.forwarding ?? vs.spec.forwarding;
  const mode = b.spec.acceptVIP?.mode ?? 'Loopback';
  if (forwarding === 'NAT' || mode === 'None') return undefined;
  for (const vip of vips) {
    const r = b.reports.get(vip);
    if (r && !r.configured) {
      return `VIP ${vip} not accepted${r.node ? ` on ${r.node}` : ''}: ${r.message ?? 'not configured'}`;
    }
    if (!r && b.spec.node !== undefined && plannedForMs >= graceMs) {
      return `no report for VIP ${vip} from the realserver role of node ${b.spec.node} after ${Math.round(graceMs / 1000)} s`;
    }
  }
  return undefined;
}

export function vipAcceptance(input: VipAcceptanceInput): VipAcceptance {
  const graceMs = input.graceMs ?? VIP_REPORT_GRACE_MS;
  const services = new Map(
    input.objects
      .filter((o): o is VirtualServer => o.kind === 'VirtualServer')
      .map((vs) => [`${vs.metadata.namespace}/${vs.metadata.name}`, vs]),
  );
  const failing = new Map<string, Map<string, string>>();
  const issues: NodeIssue[] = [];
  for (const s of input.services) {
    const vs = services.get(s.ref);
    // A fwmark service names no VIPs: the realserver role cannot accept them (FwmarkVipsUnknown).
    if (!vs || vs.spec.fwmark !== undefined) continue;
    const vips = [...new Set((vs.spec.addresses ?? []).flatMap((a) => parseIP(a.ip)?.text ?? []))];
    const why = new Map<string, string>();
    for (const b of backendsOf(vs, input.objects)) {
      const id = backendIdOf(vs, b.spec);
      if (id === undefined || why.has(id) || !s.realServers.some((r) => r.id === id)) continue;
      const since = input.firstPlannedMs.get(plannedKey(s.ref, id)) ?? input.nowMs;
      const verdict = verdictOf(vs, b, vips, input.nowMs - since, graceMs);
      if (verdict !== undefined) why.set(id, verdict);
    }
    if (why.size === 0) continue;
    failing.set(s.ref, why);
    issues.push({
      ref: { kind: 'VirtualServer', namespace: vs.metadata.namespace, name: vs.metadata.name },
      reason: VIP_NOT_ACCEPTED,
      message: [...why].map(([id, w]) => `real server ${id} failing: ${w}`).join('; '),
    });
  }
  return { failing, issues };
}
