/** src/vrrp: the VRRP speaker and its pure core. */
export type {
  AddressFamily,
  Advert,
  DropReason,
  GarpConfig,
  NotifyHooks,
  TrackInterface,
  TrackScript,
  VirtualIp,
  VrrpAuth,
  VrrpInstanceConfig,
  VrrpStateName,
  VrrpVersion,
} from './types.js';
export { DROP_REASONS } from './types.js';
export { decodeAdvert, encodeAdvert } from './codec.js';
export { checkAdvert } from './accept.js';
export { masterDownIntervalMs, skewTimeMs } from './timers.js';
export { initialState, step } from './machine.js';
export type { MachineAction, MachineEvent, MachineState, TransitionReason } from './machine.js';
export { VrrpSpeaker, type SpeakerDeps, type VipConflict } from './speaker.js';
export { instanceChanges } from './instance-changes.js';
export {
  FileVipRecordStore,
  MemoryVipRecordStore,
  VipRecordCorruptError,
  type OwnedVip,
  type VipRecordStore,
} from './vip-record.js';
export type { InstanceStatus } from './instance.js';
export { VrrpEventStream, type VrrpEvent } from './events.js';
export { rawTransportFactory } from './raw-transport.js';
export type { AdvertTransport, TransportFactory } from './transport.js';
export { TransportError, VrrpConfigError } from './errors.js';
