/**
 * Pure: which real servers of the services a director plans cannot take DR or TUN traffic,
 * because the realserver role of their node reports that it could not accept the VIP
 * (RealServer `status.vips`, VirtualServer `status.realServerVips` for inline servers, read
 * into the model's `vipReports`), or, for a server that names its `node`, reports nothing for
 * the VIP within a grace period. The director plans them as failing (table.ts ExternalVerdicts).
 *
 * A server without `node` is matched to its node by address, which only its node knows: when
 * no report comes, the VIP may well be accepted by hand (mode None is the explicit way to say
 * so, but is not required), so silence counts against a server only when it names its node.
 */
import { nameKey, type BackendModel, type ServiceModel } from '../model/index.js';
import type { PlanIssue } from './plan-types.js';
import type { PlannedService } from './plan-services.js';
import type { ExternalVerdicts } from './table.js';

/** How long a server that names its node may go without a report for a VIP. */
export const VIP_REPORT_GRACE_MS = 30_000;

/** The reason (status, Event) of a real server whose node cannot accept the service's VIP. */
export const VIP_NOT_ACCEPTED = 'VipNotAccepted';

/** The key of one planned real server: service ref and backend id. */
export const plannedKey = (serviceRef: string, backendId: string): string => `${serviceRef}|${backendId}`;

export interface VipAcceptanceInput {
  /** The services this director plans. */
  readonly planned: readonly PlannedService[];
  /** The model entries of those services (the reports are on their backends). */
  readonly services: readonly ServiceModel[];
  /** When this director first planned each real server, by {@link plannedKey}. */
  readonly firstPlannedMs: ReadonlyMap<string, number>;
  readonly nowMs: number;
  readonly graceMs?: number;
}

export interface VipAcceptance {
  readonly failing: ExternalVerdicts;
  /** One VipNotAccepted issue per VirtualServer with failing servers (an Event when it changes). */
  readonly issues: readonly PlanIssue[];
  /** When a grace period still running ends (the verdicts must be computed again then). */
  readonly nextDeadlineMs?: number;
}

/** Why a backend cannot take the service's traffic, or undefined; `deadline` collects grace ends. */
function verdictOf(
  b: BackendModel,
  vips: readonly string[],
  plannedForMs: number,
  graceMs: number,
  deadline: (inMs: number) => void,
): string | undefined {
  if (b.forwarding === 'NAT' || b.acceptVIP.mode === 'None') return undefined;
  for (const vip of vips) {
    const r = b.vipReports.get(vip);
    if (r && !r.configured) {
      return `VIP ${vip} not accepted${r.node ? ` on ${r.node}` : ''}: ${r.message ?? 'not configured'}`;
    }
    if (r || b.node === undefined) continue;
    if (plannedForMs >= graceMs) {
      return `no report for VIP ${vip} from the realserver role of node ${b.node} after ${Math.round(graceMs / 1000)} s`;
    }
    deadline(graceMs - plannedForMs);
  }
  return undefined;
}

export function vipAcceptance(input: VipAcceptanceInput): VipAcceptance {
  const graceMs = input.graceMs ?? VIP_REPORT_GRACE_MS;
  const models = new Map(input.services.map((s) => [nameKey(s.ref), s]));
  const failing = new Map<string, Map<string, string>>();
  const issues: PlanIssue[] = [];
  let next: number | undefined;
  const deadline = (inMs: number) => {
    const at = input.nowMs + inMs;
    next = next === undefined ? at : Math.min(next, at);
  };
  for (const s of input.planned) {
    const svc = models.get(s.ref);
    // A fwmark service names no VIPs: the realserver role cannot accept them (FwmarkVipsUnknown).
    if (!svc || svc.fwmark !== undefined) continue;
    const vips = [...new Set(svc.addresses.map((a) => a.ip.text))];
    const plannedIds = new Set(s.backends.map((b) => b.id));
    const why = new Map<string, string>();
    for (const b of svc.backends) {
      if (why.has(b.id) || !plannedIds.has(b.id)) continue;
      const since = input.firstPlannedMs.get(plannedKey(s.ref, b.id)) ?? input.nowMs;
      const verdict = verdictOf(b, vips, input.nowMs - since, graceMs, deadline);
      if (verdict !== undefined) why.set(b.id, verdict);
    }
    if (why.size === 0) continue;
    failing.set(s.ref, why);
    issues.push({
      object: svc.ref,
      path: [],
      message: [...why].map(([id, w]) => `real server ${id} failing: ${w}`).join('; '),
      transient: true,
      reason: VIP_NOT_ACCEPTED,
    });
  }
  return { failing, issues, ...(next === undefined ? {} : { nextDeadlineMs: next }) };
}
