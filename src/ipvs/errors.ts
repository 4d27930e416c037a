import { constants } from 'node:os';
import { LvsError } from '../core/index.js';
import type { DestKey, Op, OpKind, ServiceKey } from './types.js';

/**
 * The IPVS folder's error catalogue. Callers and tests match on `code`; the fields carry what
 * is needed to act (the operation, the errno, the object), as keepalived's ipvs_talk logs them.
 */

/** What an IPVS request was doing when it failed: a table change or another command. */
export type IpvsOperation =
  | OpKind
  | 'resolveFamily'
  | 'getInfo'
  | 'dumpServices'
  | 'dumpDestinations'
  | 'getTimeouts'
  | 'setTimeouts'
  | 'startDaemon'
  | 'stopDaemon'
  | 'getDaemons'
  | 'zero';

/** The object an operation was about, when it had one. */
export interface IpvsObject {
  readonly service?: ServiceKey;
  readonly destination?: DestKey;
}

const errnoNames = new Map<number, string>(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/** The symbolic name of an errno ("EEXIST"), or "E<number>" when unknown. */
export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `E${errno}`;
}

/** The kernel refused an IPVS request: errno from the netlink error message. */
export class IpvsError extends LvsError {
  readonly op: IpvsOperation;
  readonly errno: number;
  readonly errnoName: string;
  readonly object: IpvsObject;

  constructor(op: IpvsOperation, errno: number, object: IpvsObject = {}, options?: { cause?: unknown }) {
    super(codeFor(errno), `ipvs ${op} failed: ${errnoName(errno)}${hintFor(op, errno)}`, options);
    this.op = op;
    this.errno = errno;
    this.errnoName = errnoName(errno);
    this.object = object;
  }
}

/**
 * What an errno means for the operation, where ipvsadm's own messages say more than strerror
 * (ipvsadm.c, ipvs_strerror): ENOENT on a service add or edit is a scheduler or persistence
 * engine the kernel cannot load, ESRCH a service that is gone.
 */
function hintFor(op: IpvsOperation, errno: number): string {
  if ((op === 'addService' || op === 'updateService') && errno === constants.errno.ENOENT) {
    return ' (scheduler or persistence engine not found: is its module, e.g. ip_vs_rr, available?)';
  }
  if ((op === 'addDestination' || op === 'updateDestination') && errno === constants.errno.ESRCH) {
    return ' (no such service)';
  }
  return '';
}

function codeFor(errno: number): string {
  switch (errno) {
    case constants.errno.EEXIST:
      return 'LVS_IPVS_EXISTS';
    case constants.errno.ENOENT:
    case constants.errno.ESRCH:
      return 'LVS_IPVS_NOT_FOUND';
    case constants.errno.EPERM:
    case constants.errno.EACCES:
      return 'LVS_IPVS_PERMISSION';
    case constants.errno.EINVAL:
      return 'LVS_IPVS_INVALID';
    default:
      return 'LVS_IPVS_KERNEL';
  }
}

/** A netlink reply that does not parse: truncated, overlong or malformed attributes. */
export class IpvsDecodeError extends LvsError {
  readonly what: string;
  readonly offset: number;

  constructor(what: string, offset: number) {
    super('LVS_IPVS_DECODE', `malformed IPVS netlink reply: ${what} at byte ${offset}`);
    this.what = what;
    this.offset = offset;
  }
}

/** The kernel has no IPVS generic netlink family (module not loaded, or not built). */
export class IpvsUnavailableError extends LvsError {
  constructor(options?: { cause?: unknown }) {
    super('LVS_IPVS_UNAVAILABLE', 'the kernel has no IPVS generic netlink family', options);
  }
}

/** A request got no answer in time, or the socket failed underneath it. */
export class IpvsTransportError extends LvsError {
  readonly op: IpvsOperation;
  readonly errno: number;

  constructor(op: IpvsOperation, errno: number, message: string, options?: { cause?: unknown }) {
    super('LVS_IPVS_TRANSPORT', `ipvs ${op}: ${message}`, options);
    this.op = op;
    this.errno = errno;
  }
}

/** A value that IPVS cannot carry (bad address for the family, scheduler name too long...). */
export class IpvsInvalidObjectError extends LvsError {
  readonly object: IpvsObject;

  constructor(message: string, object: IpvsObject = {}) {
    super('LVS_IPVS_INVALID_OBJECT', message);
    this.object = object;
  }
}

/** The object an Op is about, for its error. */
export function objectOf(op: Op): IpvsObject {
  switch (op.op) {
    case 'addService':
    case 'updateService':
      return { service: op.service.key };
    case 'deleteService':
      return { service: op.key };
    case 'addDestination':
    case 'updateDestination':
      return { service: op.service, destination: op.destination.key };
    case 'deleteDestination':
      return { service: op.service, destination: op.key };
  }
}

/**
 * The ownership record (ownership-dir.ts) could not be read or written, or one entry of it is
 * corrupt. `path` is the file or directory concerned; `errnoName` is the system error, or
 * "ECORRUPT" for an entry that reads but does not parse.
 */
export class IpvsRecordError extends LvsError {
  readonly op: 'read' | 'write' | 'remove';
  readonly path: string;
  readonly errnoName: string;

  constructor(
    op: 'read' | 'write' | 'remove',
    path: string,
    errnoName: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super('LVS_IPVS_RECORD', `ipvs ownership record ${op} ${path} failed: ${errnoName}: ${detail}`, options);
    this.op = op;
    this.path = path;
    this.errnoName = errnoName;
  }
}

/** The errno name of a Node system error ("EROFS"), or "EIO" when it carries none. */
export function systemErrnoName(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : 'EIO';
}
