/** The realserver role's error catalogue; callers and tests match on `code`. */
import { LvsError } from '../core/errors.js';
import type { SysctlKey } from './types.js';

/** A sysctl could not be read or written. */
export class SysctlError extends LvsError {
  readonly op: 'read' | 'write';
  readonly key: SysctlKey;
  readonly errnoName: string;

  constructor(op: 'read' | 'write', key: SysctlKey, errnoName: string, options?: { cause?: unknown }) {
    super('LVS_REALSERVER_SYSCTL', `${op} net.ipv4.conf.${key.iface}.${key.name} failed: ${errnoName}`, options);
    this.op = op;
    this.key = key;
    this.errnoName = errnoName;
  }
}

/** A command (`nft`, `ip`) failed; `stderr` is what it said. */
export class CommandError extends LvsError {
  readonly argv: readonly string[];
  readonly exitCode: number | undefined;
  readonly stderr: string;

  constructor(argv: readonly string[], exitCode: number | undefined, stderr: string, options?: { cause?: unknown }) {
    super(
      'LVS_REALSERVER_COMMAND',
      `${argv.join(' ')} failed (exit ${exitCode ?? 'signal'}): ${stderr.trim().split('\n')[0] ?? ''}`,
      options,
    );
    this.argv = argv;
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

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
