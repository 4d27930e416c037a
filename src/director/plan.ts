import type { VipPolicy } from '../api/index.js';
import { nameKey, refKey, type Model } from '../model/index.js';
import { ANY_COMMAND, type CommandPolicy } from '../net/index.js';
import type { NodeIdentity } from './node.js';
import { CommandCheck } from './plan-commands.js';
import { planGroup, selectsNode, type PlannedGroup } from './plan-vrrp.js';
import type { ServicePlanCache } from './plan-cache.js';
import { planService, type PlannedService } from './plan-services.js';
import type { PlanIssue } from './plan-types.js';
import { screenVips } from './vip-policy.js';

/** Everything one director node runs: its VRRP instances and its IPVS services with checks. */
export interface NodePlan {
  readonly groups: readonly PlannedGroup[];
  readonly services: readonly PlannedService[];
  /** Problems found while planning; objects with issues keep their previous plan, if any. */
  readonly issues: readonly PlanIssue[];
  /** Settings accepted but not acted on by this version; those objects run without them. */
  readonly unsupported: readonly PlanIssue[];
}

export const EMPTY_PLAN: NodePlan = { groups: [], services: [], issues: [], unsupported: [] };

/**
 * Pure: the model + this node → its plan. A VrrpGroup runs here when its nodeSelector matches;
 * a VirtualServer is programmed here when it has no group or its group runs here. An entry
 * that cannot be planned (a missing Secret, say) keeps its version from `previous`, so a
 * transient problem never removes a working VIP or service. With a `cache`, services whose
 * model entry did not change since the last call are not planned again (plan-cache.ts).
 * Commands that the `commands` policy refuses are left out with a CommandRefused issue
 * (plan-commands.ts).
 */
export function planNode(
  model: Model,
  node: NodeIdentity,
  previous: NodePlan = EMPTY_PLAN,
  cache?: ServicePlanCache,
  commands: CommandPolicy = ANY_COMMAND,
): NodePlan {
  const issues: PlanIssue[] = [];
  const groups: PlannedGroup[] = [];
  const runsHere = new Set<string>();
  for (const g of model.groups) {
    if (!selectsNode(g, node)) continue;
    runsHere.add(nameKey(g.ref));
    const check = new CommandCheck(commands, g.ref);
    const planned = planGroup(g, node, check);
    if (planned.group) {
      groups.push(planned.group);
      issues.push(...check.issues);
    } else {
      issues.push(...planned.issues);
      const old = previous.groups.find((p) => p.ref === nameKey(g.ref));
      if (old) groups.push(old);
    }
  }
  const services: PlannedService[] = [];
  for (const svc of model.services) {
    if (svc.group !== undefined && !runsHere.has(nameKey(svc.group))) continue;
    const plan = () => planService(svc, commands);
    const result = cache ? cache.planOf(svc, plan) : plan();
    issues.push(...result.issues);
    if (result.service) {
      services.push(result.service);
    } else {
      const old = previous.services.find((p) => p.ref === nameKey(svc.ref));
      if (old) services.push(old);
    }
  }
  const unsupported = [...model.groups, ...model.services].flatMap((e) => e.unsupported);
  return { groups, services, issues: withoutRepeats(issues), unsupported };
}

/**
 * Pure: {@link planNode} of the entries whose VIPs the administrator's `policy` allows; the
 * refused VIPs come first among the issues (vip-policy.ts). What the director plans from each
 * new model, and what `lvsctl plan` predicts with.
 */
export function planNodeWithin(
  policy: VipPolicy,
  model: Model,
  node: NodeIdentity,
  previous: NodePlan = EMPTY_PLAN,
  cache?: ServicePlanCache,
  commands: CommandPolicy = ANY_COMMAND,
): NodePlan {
  const screened = screenVips(model, policy);
  const planned = planNode(screened.allowed, node, previous, cache, commands);
  return screened.issues.length === 0 ? planned : { ...planned, issues: [...screened.issues, ...planned.issues] };
}

/** A RealServer selected by several VirtualServers reports each refused command once. */
function withoutRepeats(issues: readonly PlanIssue[]): PlanIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    if (!i.refusedCommand) return true;
    const key = JSON.stringify([refKey(i.object), i.path]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
