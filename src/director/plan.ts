import type { ManifestObject, VirtualServer, VrrpGroup } from '../api/index.js';
import { ANY_COMMAND, type CommandPolicy } from '../net/index.js';
import type { NodeIdentity } from './node.js';
import { CommandCheck } from './plan-commands.js';
import { planGroup, selectsNode, type PlannedGroup } from './plan-vrrp.js';
import type { ServicePlanCache } from './plan-cache.js';
import { planService, type PlannedService } from './plan-services.js';
import { isPlanIssue, type PlanIssue, type SecretResolver } from './plan-types.js';
import { unsupportedSettings } from './unsupported.js';

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

const refOf = (o: ManifestObject) => `${o.metadata.namespace}/${o.metadata.name}`;

/**
 * Pure: validated objects + this node → its plan. A VrrpGroup runs here when its nodeSelector
 * matches; a VirtualServer is programmed here when it has no group or its group runs here. An
 * object that cannot be planned (a missing Secret, say) keeps its version from `previous`, so
 * a transient problem never removes a working VIP or service. With a `cache`, VirtualServers
 * that did not change since the last call are not planned again (plan-cache.ts). Commands that
 * the `commands` policy refuses are left out with a CommandRefused issue (plan-commands.ts).
 */
export function planNode(
  objects: readonly ManifestObject[],
  node: NodeIdentity,
  resolveSecret: SecretResolver,
  previous: NodePlan = EMPTY_PLAN,
  cache?: ServicePlanCache,
  commands: CommandPolicy = ANY_COMMAND,
): NodePlan {
  cache?.begin(objects, resolveSecret);
  const issues: PlanIssue[] = [];
  const groups: PlannedGroup[] = [];
  const runsHere = new Set<string>();
  for (const g of objects.filter((o): o is VrrpGroup => o.kind === 'VrrpGroup')) {
    if (!selectsNode(g, node)) continue;
    runsHere.add(refOf(g));
    const check = new CommandCheck(commands, refOf(g), 'VrrpGroup');
    const planned = planGroup(g, node, resolveSecret, check);
    if (isPlanIssue(planned)) {
      issues.push(planned);
      const old = previous.groups.find((p) => p.ref === planned.ref);
      if (old) groups.push(old);
    } else {
      groups.push(planned);
      issues.push(...check.issues);
    }
  }
  const services: PlannedService[] = [];
  for (const vs of objects.filter((o): o is VirtualServer => o.kind === 'VirtualServer')) {
    const groupRef = vs.spec.vrrpGroupRef && `${vs.metadata.namespace}/${vs.spec.vrrpGroupRef.name}`;
    if (groupRef !== undefined && !runsHere.has(groupRef)) continue;
    const plan = () => planService(vs, objects, resolveSecret, commands);
    const result = cache ? cache.planOf(vs, plan) : plan();
    issues.push(...result.issues);
    if (result.service) {
      services.push(result.service);
    } else {
      const old = previous.services.find((p) => p.ref === refOf(vs));
      if (old) services.push(old);
    }
  }
  return { groups, services, issues: withoutRepeats(issues), unsupported: unsupportedSettings(objects) };
}

/** A RealServer selected by several VirtualServers reports each refused command once. */
function withoutRepeats(issues: readonly PlanIssue[]): PlanIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    if (!i.refusedCommand) return true;
    const key = JSON.stringify([i.kind, i.ref, i.path]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
