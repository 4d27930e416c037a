// The public surface of src/director: the role's pipeline — model → pure plan → runtimes
// (VRRP, health, IPVS) → observed status and the status items it reports.
export type { NodeIdentity } from './node.js';
export { excludesObject, type PlanIssue } from './plan-types.js';
export { COMMAND_REFUSED } from './plan-commands.js';
export { planGroup, selectsNode, type PlannedGroup } from './plan-vrrp.js';
export { planService, ipvsServicesOf, type PlannedService, type PlannedBackend } from './plan-services.js';
export { planNode, planNodeWithin, EMPTY_PLAN, type NodePlan } from './plan.js';
export { ServicePlanCache } from './plan-cache.js';
export { desiredTable, desiredServicesOf, isProgrammed, type ExternalVerdicts, type GroupRole } from './table.js';
export { desiredDaemons, planDaemons } from './sync-daemons.js';
export { speakerRunner, type VrrpRunner } from './vrrp-port.js';
export { Director, type DirectorDeps, type DirectorStatus } from './director.js';
export { VIP_CONFLICT } from './vip-conflicts.js';
export {
  vipAcceptance,
  plannedKey,
  VIP_NOT_ACCEPTED,
  VIP_REPORT_GRACE_MS,
  type VipAcceptance,
} from './vip-acceptance.js';
export { directorStatusItems, realServerEntry, stoppedGroupItems } from './status-items.js';
export { withCommandConditions, COMMANDS_REFUSED } from './command-conditions.js';
export { directorStatusSection, type DirectorSectionInput, type ObservedTable } from './status-document.js';
