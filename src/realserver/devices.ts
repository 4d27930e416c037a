import type { DeviceSpec } from './types.js';

/** A network device as the devices port lists it. */
export interface DeviceEntry {
  readonly name: string;
  readonly ifindex: number;
  /** Link kind (`dummy`, `ipip`, `veth`, ...); absent for devices without one, such as lo. */
  readonly kind?: string;
  /** ipip: the local address, when set. */
  readonly local?: string;
  /** Carries our ownership marker, {@link DEVICE_ALIAS}. */
  readonly marked: boolean;
  /** Administratively up (IFF_UP): the kernel drops the local routes of a down device's addresses. */
  readonly up: boolean;
}

/** The link alias (IFLA_IFALIAS) that marks devices this role created. */
export const DEVICE_ALIAS = 'lvs-operator realserver';

/**
 * The devices port: list every device, create a dummy or ipip device (marked with
 * {@link DEVICE_ALIAS} and set up), set one up again, delete one. `add` rejects with
 * DeviceKindUnsupportedError when the kernel lacks the type; `setUp` rejects for a missing
 * device; `remove` succeeds when the device is already gone.
 * Implementations: IpDevices, FakeDevices.
 */
export interface Devices {
  list(): Promise<DeviceEntry[]>;
  add(spec: DeviceSpec): Promise<void>;
  setUp(name: string): Promise<void>;
  remove(name: string): Promise<void>;
}
