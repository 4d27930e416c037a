/**
 * The realserver role's error catalogue; callers and tests match on `code`. Failures of the
 * edges themselves are src/net's (SysctlError, CommandError).
 */
import { LvsError } from '../core/index.js';

/** The kernel has no such device type (dummy or ipip not built, no module). */
export class DeviceKindUnsupportedError extends LvsError {
  readonly kind: string;

  constructor(kind: string, options?: { cause?: unknown }) {
    super('LVS_REALSERVER_DEVICE_UNSUPPORTED', `the kernel has no ${kind} device type`, options);
    this.kind = kind;
  }
}

/** A device with the name we need exists and is not what we would create. */
export class DeviceConflictError extends LvsError {
  readonly device: string;

  constructor(device: string, detail: string) {
    super('LVS_REALSERVER_DEVICE_CONFLICT', `device ${device} exists and ${detail}`);
    this.device = device;
  }
}

/** The state file exists but does not parse; what it recorded cannot be trusted. */
export class StateCorruptError extends LvsError {
  readonly path: string;

  constructor(path: string, options?: { cause?: unknown }) {
    super('LVS_REALSERVER_STATE_CORRUPT', `state file ${path} is not a valid realserver state`, options);
    this.path = path;
  }
}

/** A change held back this pass because an earlier one failed and order protects the network. */
export class ChangeSkippedError extends LvsError {
  constructor(reason: string) {
    super('LVS_REALSERVER_SKIPPED', reason);
  }
}
