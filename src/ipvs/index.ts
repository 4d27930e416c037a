/**
 * The IPVS folder's public surface: the model, the kernel port and its netlink adapter, the
 * reconciler, the ipvsadm-compatible listing and rules. Other folders import from here only.
 */
export type * from './types.js';
export { serviceId, destId, serviceDestId, idleObserved, ZERO_STATS } from './types.js';
export type { DumpOptions, IpvsClient, OpResult } from './client.js';
export { createNetlinkClient, type NetlinkClientOptions } from './netlink-client.js';
export { IpvsReconciler, type DrainingDestination, type IpvsReconcilerOptions, type SyncReport } from './reconciler.js';
export { IpvsMetrics } from './metrics.js';
export { DEFAULT_DRAIN_POLICY, type DrainPolicy } from './drain.js';
export { planOwnedTable, planTable, type PassOwnership, type Plan, type PlanInput } from './plan.js';
export { recordOwnership } from './record-view.js';
export {
  DEFAULT_IPVS_SYSCTLS,
  IPVS_SYSCTL_NAMES,
  IPVS_SYSCTLS_PATH,
  ipvsSysctlPath,
  planIpvsSysctls,
  type IpvsSysctlChange,
  type IpvsSysctlName,
} from './sysctls.js';
export {
  MemoryOwnershipStore,
  recordNameOf,
  type OwnershipSnapshot,
  type OwnershipStore,
  type UnprovenEntry,
} from './ownership.js';
export { DirectoryOwnershipStore, type DirectoryOwnershipOptions } from './ownership-dir.js';
export { nodeRecordFs, type RecordFs } from './record-fs.js';
export { conflictMessage, conflictReason, partitionOwned, type ServiceConflict } from './conflicts.js';
export {
  formatList,
  formatRules,
  compareServices,
  compareDests,
  formatOp,
  formatServiceKey,
  forwardingName,
  DEFAULT_LIST_OPTIONS,
  type ListOptions,
  type NameLookup,
} from './format.js';
export { parseRules, type RuleIssue, type RulesResult } from './rules.js';
export { systemNameLookup } from './name-lookup.js';
export { canonicalAddress } from './address.js';
export {
  IpvsError,
  IpvsDecodeError,
  IpvsUnavailableError,
  IpvsTransportError,
  IpvsInvalidObjectError,
  IpvsRecordError,
  type IpvsOperation,
} from './errors.js';
export {
  IP_VS_SVC_F_PERSISTENT,
  IP_VS_SVC_F_ONEPACKET,
  IP_VS_SVC_F_SCHED1,
  IP_VS_SVC_F_SCHED2,
  IP_VS_SVC_F_SCHED3,
  IP_VS_TUNNEL_ENCAP_FLAG_CSUM,
  IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM,
} from './constants.js';
export { registerIpvsTrafficMetrics } from './traffic-metrics.js';
