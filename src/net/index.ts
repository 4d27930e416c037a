/**
 * src/net: the node's OS edges as ports with real adapters (rtnetlink, the native addon,
 * procfs, nft and iptables, the one process runner) and fakes: addresses, links, link-layer
 * announcements, sysctls, netfilter rules, processes.
 */
export type { AddressEntry, AddressSpec, Addresses } from './addresses.js';
export { IFNAMSIZ_MAX, ownerLabel, primaryAddress } from './addresses.js';
export type { LinkInfo, Links } from './links.js';
export type {
  CaptureSocket,
  CaptureSockets,
  PacketSocket,
  PacketSockets,
  RawIpSocket,
  RawIpSockets,
  RecvMeta,
  TunnelSocket,
  TunnelSockets,
} from './native.js';
export { NativeCaptureSockets, NativePacketSockets, NativeRawIpSockets, NativeTunnelSockets } from './native.js';
export type { L2Path, L2Paths } from './l2-path.js';
export { NetlinkL2Paths } from './netlink-l2-path.js';
export {
  PROBE_PORT_FROM,
  PROBE_PORT_TO,
  SynProber,
  type SynProbeOutcome,
  type SynProbeRequest,
  type SynProberOptions,
  type SynProbeVia,
} from './syn-prober.js';
export { Announcer, type AnnounceLink } from './announcer.js';
export { NetlinkAddresses } from './netlink-addresses.js';
export { NetlinkLinks } from './netlink-links.js';
export { buildGratuitousArp, buildUnsolicitedNa, parseMac } from './frames.js';
export { internetChecksum, pseudoHeader } from './checksum.js';
export {
  canonicalIp,
  compareBytes,
  compareIp,
  familyOf,
  formatHostPort,
  formatIp,
  formatIpv4,
  formatIpv6,
  ipFromBytes,
  isIP,
  parseAddressWithPrefix,
  parseIP,
  sameIp,
  type Family,
  type IpAddress,
  type ParsedIP,
  type ParsedPrefix,
} from './ip-codec.js';
export {
  CommandError,
  LinkNotFoundError,
  NativeUnavailableError,
  NetlinkError,
  SyscallError,
  SysctlError,
  type CommandOutcome,
} from './errors.js';
export type { VipFilter } from './vip-filter.js';
export { NftVipFilter } from './nft-vip-filter.js';
export {
  ANY_COMMAND,
  allowlistPolicy,
  parseAllowedProgram,
  refusalOf,
  type CommandPolicy,
  type CommandRefusal,
} from './command-policy.js';
export {
  KILL_GRACE_MS,
  MAX_OUTPUT_BYTES,
  SCRIPT_TIMEOUT_MS,
  SpawnProcessRunner,
  isObjectCommand,
  type CommandKind,
  type ObjectCommandKind,
  type ProcessRequest,
  type ProcessResult,
  type ProcessRunner,
  type RefusalListener,
} from './process-runner.js';
export { CommandMetrics } from './command-metrics.js';
export {
  SYSTEM_TOOL_MAX_OUTPUT_BYTES,
  SYSTEM_TOOL_TIMEOUT_MS,
  systemToolRequest,
  toolSucceeded,
} from './system-tool.js';
export { sysctlName, type SysctlPath, type Sysctls } from './sysctls.js';
export { ProcSysctls } from './proc-sysctls.js';
export type {
  L4Protocol,
  RedirectRule,
  RedirectRuleEntry,
  RedirectRuleList,
  RedirectRules,
  RedirectTableNames,
} from './redirect-rules.js';
export { NFT_CHAIN, NftRedirectRules, nftChainScript } from './nft-redirect-rules.js';
export { IPTABLES_BINARIES, IptablesRedirectRules } from './iptables-redirect-rules.js';
export {
  DetectedRedirectRules,
  detectRedirectBackend,
  redirectRulesFor,
  type RedirectBackend,
} from './redirect-backend.js';
