import { LvsError } from '../core/index.js';
import type { ProcessResult } from './process-runner.js';
import { sysctlName, type SysctlPath } from './sysctls.js';

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

/**
 * A sysctl could not be read or written: the operation, the setting (sysctl(8)'s name and the
 * path), the value a write wanted, the errno and, where the errno alone does not say it, why.
 */
export class SysctlError extends LvsError {
  readonly op: 'read' | 'write';
  readonly path: SysctlPath;
  /** sysctl(8)'s name, `net.ipv4.conf.lo.arp_ignore`. */
  readonly sysctl: string;
  readonly value: number | undefined;
  readonly errnoName: string;
  readonly detail: string | undefined;

  constructor(
    op: 'read' | 'write',
    path: SysctlPath,
    errnoName: string,
    options: { readonly value?: number; readonly detail?: string; readonly cause?: unknown } = {},
  ) {
    const what = op === 'write' ? `write ${sysctlName(path)} = ${options.value ?? '?'}` : `read ${sysctlName(path)}`;
    super(
      'LVS_NET_SYSCTL',
      `${what} failed: ${errnoName}${options.detail !== undefined ? ` (${options.detail})` : ''}`,
      options.cause !== undefined ? { cause: options.cause } : undefined,
    );
    this.op = op;
    this.path = path;
    this.sysctl = sysctlName(path);
    this.value = options.value;
    this.errnoName = errnoName;
    this.detail = options.detail;
  }
}

/** How a system tool ended: a {@link ProcessResult}'s kind, and its exit status when it exited. */
export type CommandOutcome = ProcessResult['kind'];

/**
 * A system tool (`ip`, `nft`, `iptables`) did not do what was asked: the argv, how it ended
 * (exit status, timeout, signal, could not start), and what it said on standard error (or why
 * its answer could not be read).
 */
export class CommandError extends LvsError {
  readonly argv: readonly string[];
  readonly outcome: CommandOutcome;
  /** Exit status when it exited. */
  readonly exitCode: number | undefined;
  readonly stderr: string;

  constructor(
    argv: readonly string[],
    outcome: CommandOutcome,
    exitCode: number | undefined,
    stderr: string,
    options?: { cause?: unknown },
  ) {
    const how = outcome === 'exited' ? `exit ${exitCode ?? '?'}` : outcome === 'timed-out' ? 'timed out' : `${outcome}`;
    super('LVS_NET_COMMAND', `${argv.join(' ')} failed (${how}): ${stderr.trim().split('\n')[0] ?? ''}`, options);
    this.argv = argv;
    this.outcome = outcome;
    this.exitCode = exitCode;
    this.stderr = stderr;
  }

  /** The error for a result that is not a success; `detail` replaces standard error as the reason. */
  static of(argv: readonly string[], r: ProcessResult, detail?: string, options?: { cause?: unknown }): CommandError {
    const why =
      detail ??
      (r.kind === 'failed'
        ? `could not start: ${r.errno} (${r.message})`
        : r.kind === 'refused'
          ? r.refusal.message
          : r.kind === 'signalled'
            ? `killed by ${r.signal}${r.stderr ? `: ${r.stderr}` : ''}`
            : r.stderr);
    return new CommandError(argv, r.kind, r.kind === 'exited' ? r.exitCode : undefined, why, options);
  }
}
