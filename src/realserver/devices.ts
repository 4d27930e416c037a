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
}

/** The link alias (IFLA_IFALIAS) that marks devices this role created. */
export const DEVICE_ALIAS = 'lvs-operator realserver';

/**
 * The devices port: list every device, create a dummy or ipip device (marked with
 * {@link DEVICE_ALIAS} and set up), delete one. `add` rejects with DeviceKindUnsupportedError
 * when the kernel lacks the type; `remove` succeeds when the device is already gone.
 * Implementations: IpDevices, FakeDevices.
 */
export interface Devices {
  list(): Promise<DeviceEntry[]>;
  add(spec: DeviceSpec): Promise<void>;
  remove(name: string): Promise<void>;
}
