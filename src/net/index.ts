/**
 * src/net: the node's network edges as ports with real adapters (rtnetlink, the native addon)
 * and fakes: addresses, links, link-layer announcements.
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
export { LinkNotFoundError, NativeUnavailableError, NetlinkError, SyscallError } from './errors.js';
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
  type CommandKind,
  type ProcessRequest,
  type ProcessResult,
  type ProcessRunner,
  type RefusalListener,
} from './process-runner.js';
export { CommandMetrics } from './command-metrics.js';
