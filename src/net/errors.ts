import { LvsError } from '../core/errors.js';

/** A system call failed (Node's ErrnoException shape): what was attempted, the errno and its name. */
export class SyscallError extends LvsError {
  readonly syscall: string;
  readonly errno: number;
  readonly errnoName: string;

  constructor(syscall: string, errno: number, errnoName: string, options?: { cause?: unknown }) {
    super('LVS_NET_SYSCALL', `${syscall} failed: ${errnoName}`, options);
    this.syscall = syscall;
    this.errno = errno;
    this.errnoName = errnoName;
  }
}

/** An rtnetlink request was rejected by the kernel. */
export class NetlinkError extends LvsError {
  readonly op: string;
  readonly errnoName: string;
  readonly object: string;

  constructor(op: string, errnoName: string, object: string, options?: { cause?: unknown }) {
    super('LVS_NET_NETLINK', `${op} ${object} failed: ${errnoName}`, options);
    this.op = op;
    this.errnoName = errnoName;
    this.object = object;
  }
}

/** A named interface does not exist. */
export class LinkNotFoundError extends LvsError {
  readonly iface: string;

  constructor(iface: string) {
    super('LVS_NET_LINK_NOT_FOUND', `interface not found: ${iface}`);
    this.iface = iface;
  }
}

/** The native addon is missing or failed to load (native/ not built). */
export class NativeUnavailableError extends LvsError {
  constructor(options?: { cause?: unknown }) {
    super('LVS_NET_NATIVE_UNAVAILABLE', 'native addon not built: run npm run build:native', options);
  }
}
