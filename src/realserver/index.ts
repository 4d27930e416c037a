/**
 * src/realserver: makes a backend node accept the VIPs of the DR and TUN VirtualServers that
 * send to it (VIP on lo or a dummy device with the arp sysctls, a REDIRECT rule, or an ipip
 * device), and removes exactly that when they go.
 */
export { RealserverRole, type RealserverRoleOptions } from './role.js';
export { createKernelPorts, REALSERVER_REDIRECT_TABLE } from './kernel-ports.js';
export type { RealserverPorts } from './ports.js';
export type { PassReport, RealServerVips } from './reconciler.js';
export type { InlineVips, VipStatus } from './status.js';
export type { AcceptEntry, AcceptMode, Issue, IssueReason, ObjectRef } from './types.js';
export { selectEntries, type DesiredAcceptance, type DesiredInput } from './desired.js';
export type { Devices, DeviceEntry } from './devices.js';
export type { StateStore } from './state-store.js';
export { DEFAULT_STATE_PATH } from './state-store.js';
export { ChangeSkippedError, DeviceConflictError, DeviceKindUnsupportedError, StateCorruptError } from './errors.js';
export { realserverStatusItems } from './status-items.js';
