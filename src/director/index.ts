// The public surface of src/director: planning (pure) and the role that runs the plan.
export type { NodeIdentity } from './node.js';
export { excludesObject, type PlanIssue, type SecretResolver } from './plan-types.js';
export { COMMAND_REFUSED } from './plan-commands.js';
export { planGroup, selectsNode, type PlannedGroup } from './plan-vrrp.js';
export { planService, ipvsServicesOf, backendsOf, type PlannedService, type PlannedBackend } from './plan-services.js';
export { planNode, EMPTY_PLAN, type NodePlan } from './plan.js';
export { ServicePlanCache } from './plan-cache.js';
export { desiredTable, desiredServicesOf, isProgrammed, type ExternalVerdicts, type GroupRole } from './table.js';
export { desiredDaemons, planDaemons } from './sync-daemons.js';
export { speakerRunner, type VrrpRunner } from './vrrp-port.js';
export { Director, type DirectorDeps, type DirectorStatus } from './director.js';
export { unsupportedSettings } from './unsupported.js';
export { VIP_CONFLICT } from './vip-conflicts.js';
