import { CommandError, type AddressEntry } from '../net/index.js';
import type { DeviceEntry, Devices } from './devices.js';
import { DeviceConflictError, DeviceKindUnsupportedError } from './errors.js';
import type { DeviceSpec } from './types.js';

/** One operation the fake performed. */
export type DeviceOp =
  | { readonly op: 'add'; readonly spec: DeviceSpec }
  | { readonly op: 'setUp'; readonly name: string }
  | { readonly op: 'remove'; readonly name: string };

/**
 * In-memory {@link Devices} with kernel semantics: ifindexes increase, a name exists once,
 * an ipip device with the same local address as another is refused (EEXIST, as
 * ip_tunnel_find does), deleting a device deletes its addresses and sysctls (through the
 * fakes passed in), and only `kinds` can be created (the host kernel here has neither dummy
 * nor ipip). `failOn` injects an error.
 */
export class FakeDevices implements Devices {
  readonly devices: DeviceEntry[];
  readonly ops: DeviceOp[] = [];
  failOn: { op: 'list' | 'add' | 'setUp' | 'remove'; message: string } | undefined;
  private nextIndex: number;

  constructor(
    private readonly opts: {
      readonly devices?: readonly DeviceEntry[];
      readonly kinds?: readonly string[];
      readonly addresses?: { readonly entries: AddressEntry[] };
      readonly sysctls?: { addInterface(iface: string): void; removeInterface(iface: string): void };
    } = {},
  ) {
    this.devices = [...(opts.devices ?? [{ name: 'lo', ifindex: 1, marked: false, up: true }])];
    this.nextIndex = Math.max(1, ...this.devices.map((d) => d.ifindex)) + 1;
  }

  list(): Promise<DeviceEntry[]> {
    if (this.failOn?.op === 'list')
      return Promise.reject(new CommandError(['ip', 'link'], 'exited', 1, this.failOn.message));
    return Promise.resolve(this.devices.map((d) => ({ ...d })));
  }

  add(spec: DeviceSpec): Promise<void> {
    this.ops.push({ op: 'add', spec });
    if (this.failOn?.op === 'add')
      return Promise.reject(new CommandError(['ip', 'link', 'add'], 'exited', 2, this.failOn.message));
    if (!(this.opts.kinds ?? ['dummy', 'ipip']).includes(spec.kind)) {
      return Promise.reject(new DeviceKindUnsupportedError(spec.kind));
    }
    const clash = this.devices.find(
      (d) => d.name === spec.name || (spec.kind === 'ipip' && d.kind === 'ipip' && d.local === spec.local),
    );
    if (clash) return Promise.reject(new DeviceConflictError(spec.name, 'cannot be created: File exists'));
    this.devices.push({
      name: spec.name,
      ifindex: this.nextIndex++,
      kind: spec.kind,
      ...(spec.local ? { local: spec.local } : {}),
      marked: true,
      up: true,
    });
    this.opts.sysctls?.addInterface(spec.name);
    return Promise.resolve();
  }

  setUp(name: string): Promise<void> {
    this.ops.push({ op: 'setUp', name });
    if (this.failOn?.op === 'setUp') {
      return Promise.reject(new CommandError(['ip', 'link', 'set'], 'exited', 2, this.failOn.message));
    }
    const i = this.devices.findIndex((d) => d.name === name);
    const d = this.devices[i];
    if (!d) return Promise.reject(new CommandError(['ip', 'link', 'set'], 'exited', 1, `Cannot find device "${name}"`));
    this.devices[i] = { ...d, up: true };
    return Promise.resolve();
  }

  /** An administrator sets a device down. */
  setDown(name: string): void {
    const i = this.devices.findIndex((d) => d.name === name);
    const d = this.devices[i];
    if (d) this.devices[i] = { ...d, up: false };
  }

  remove(name: string): Promise<void> {
    this.ops.push({ op: 'remove', name });
    if (this.failOn?.op === 'remove')
      return Promise.reject(new CommandError(['ip', 'link', 'del'], 'exited', 2, this.failOn.message));
    const i = this.devices.findIndex((d) => d.name === name);
    if (i < 0) return Promise.resolve();
    const [gone] = this.devices.splice(i, 1);
    const entries = this.opts.addresses?.entries;
    if (gone && entries) {
      for (let j = entries.length - 1; j >= 0; j--) if (entries[j]?.ifindex === gone.ifindex) entries.splice(j, 1);
    }
    this.opts.sysctls?.removeInterface(name);
    return Promise.resolve();
  }

  /** A device created by hand (not ours). */
  addForeign(name: string, kind?: string): DeviceEntry {
    const d: DeviceEntry = { name, ifindex: this.nextIndex++, ...(kind ? { kind } : {}), marked: false, up: true };
    this.devices.push(d);
    this.opts.sysctls?.addInterface(name);
    return d;
  }
}
