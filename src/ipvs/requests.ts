import * as K from './constants.js';
import {
  decodeDestKey,
  decodeDestination,
  decodeService,
  decodeServiceKey,
  writeDaemon,
  writeDaemonState,
  writeDestKeyNest,
  writeDestination,
  writeService,
  writeServiceKeyNest,
  writeTimeouts,
} from './codec.js';
import { assertNever } from '../core/index.js';
import { IpvsDecodeError } from './errors.js';
import { parseAttrs, parseGenl, read, type MessageWriter, type NetlinkMessage } from './netlink-wire.js';
import type { Op, ServiceKey, SyncDaemon, Timeouts, ZeroTarget } from './types.js';

/**
 * Pure: whole IPVS request messages (nlmsghdr + genlmsghdr + attributes) for each Op and
 * command, appended to a MessageWriter, and Ops decoded back from request messages.
 */

/** Where a request goes and how it is numbered. */
export interface RequestHeader {
  readonly family: number;
  readonly seq: number;
  readonly port: number;
  /** NLM_F_* flags; NLM_F_REQUEST is always added. */
  readonly flags: number;
}

function begin(w: MessageWriter, h: RequestHeader, cmd: number): void {
  w.beginGenl(h.family, h.flags | K.NLM_F_REQUEST, h.seq, h.port, cmd, K.IPVS_GENL_VERSION);
}

/** The IPVS_CMD_* each kind of Op is carried by. */
const COMMAND: Readonly<Record<Op['op'], number>> = {
  addService: K.IPVS_CMD_NEW_SERVICE,
  updateService: K.IPVS_CMD_SET_SERVICE,
  deleteService: K.IPVS_CMD_DEL_SERVICE,
  addDestination: K.IPVS_CMD_NEW_DEST,
  updateDestination: K.IPVS_CMD_SET_DEST,
  deleteDestination: K.IPVS_CMD_DEL_DEST,
};

/** The IPVS_CMD_* an Op is carried by. */
export function commandOf(op: Op): number {
  return COMMAND[op.op];
}

/** Appends the request message for one Op. */
export function writeOp(w: MessageWriter, h: RequestHeader, op: Op): void {
  begin(w, h, commandOf(op));
  switch (op.op) {
    case 'addService':
    case 'updateService':
      writeService(w, op.service);
      break;
    case 'deleteService':
      writeServiceKeyNest(w, op.key);
      break;
    case 'addDestination':
    case 'updateDestination':
      writeServiceKeyNest(w, op.service);
      writeDestination(w, op.service, op.destination);
      break;
    case 'deleteDestination':
      writeServiceKeyNest(w, op.service);
      writeDestKeyNest(w, op.service, op.key);
      break;
    default:
      assertNever(op, 'op');
  }
  w.endMessage();
}

/** CTRL_CMD_GETFAMILY for "IPVS" (include/uapi/linux/genetlink.h), as libnl sends it. */
export function writeResolveFamily(w: MessageWriter, h: Omit<RequestHeader, 'family'>): void {
  w.beginGenl(K.GENL_ID_CTRL, h.flags | K.NLM_F_REQUEST, h.seq, h.port, K.CTRL_CMD_GETFAMILY, 1);
  w.string(K.CTRL_ATTR_FAMILY_NAME, K.IPVS_GENL_NAME);
  w.endMessage();
}

/** A command without attributes: GET_INFO, GET_CONFIG, GET_SERVICE and GET_DAEMON dumps, ZERO of all. */
export function writeBare(w: MessageWriter, h: RequestHeader, cmd: number): void {
  begin(w, h, cmd);
  w.endMessage();
}

/** GET_DEST dump of one service. */
export function writeDumpDestinations(w: MessageWriter, h: RequestHeader, service: ServiceKey): void {
  begin(w, h, K.IPVS_CMD_GET_DEST);
  writeServiceKeyNest(w, service);
  w.endMessage();
}

export function writeSetTimeouts(w: MessageWriter, h: RequestHeader, t: Timeouts): void {
  begin(w, h, K.IPVS_CMD_SET_CONFIG);
  writeTimeouts(w, t);
  w.endMessage();
}

export function writeZero(w: MessageWriter, h: RequestHeader, target: ZeroTarget): void {
  begin(w, h, K.IPVS_CMD_ZERO);
  if (!target.all) writeServiceKeyNest(w, target.service);
  w.endMessage();
}

export function writeStartDaemon(w: MessageWriter, h: RequestHeader, d: SyncDaemon): void {
  begin(w, h, K.IPVS_CMD_NEW_DAEMON);
  writeDaemon(w, d);
  w.endMessage();
}

export function writeStopDaemon(w: MessageWriter, h: RequestHeader, state: SyncDaemon['state']): void {
  begin(w, h, K.IPVS_CMD_DEL_DAEMON);
  writeDaemonState(w, state);
  w.endMessage();
}

/** The family id from a CTRL_CMD_NEWFAMILY reply. */
export function decodeFamilyReply(msg: NetlinkMessage): number {
  const a = parseAttrs(parseGenl(msg).attrs);
  const id = a.get(K.CTRL_ATTR_FAMILY_ID);
  if (!id) throw new IpvsDecodeError('missing CTRL_ATTR_FAMILY_ID', 0);
  return read.u16(id, 'CTRL_ATTR_FAMILY_ID');
}

/** The nested attribute of a given IPVS_CMD_ATTR_* in a message, or undefined. */
export function nestOf(msg: NetlinkMessage, type: number): Buffer | undefined {
  return parseAttrs(parseGenl(msg).attrs).get(type);
}

function serviceKeyOf(msg: NetlinkMessage): ServiceKey {
  const nest = nestOf(msg, K.IPVS_CMD_ATTR_SERVICE);
  if (!nest) throw new IpvsDecodeError('missing IPVS_CMD_ATTR_SERVICE', 0);
  return decodeServiceKey(parseAttrs(nest));
}

/** Decodes a table-changing request message back into its Op (tests, capture tooling). */
export function decodeOpRequest(msg: NetlinkMessage): Op {
  const { cmd } = parseGenl(msg);
  const svcNest = nestOf(msg, K.IPVS_CMD_ATTR_SERVICE);
  const destNest = nestOf(msg, K.IPVS_CMD_ATTR_DEST);
  if (!svcNest) throw new IpvsDecodeError('missing IPVS_CMD_ATTR_SERVICE', 0);
  switch (cmd) {
    case K.IPVS_CMD_NEW_SERVICE:
      return { op: 'addService', service: decodeService(svcNest) };
    case K.IPVS_CMD_SET_SERVICE:
      return { op: 'updateService', service: decodeService(svcNest) };
    case K.IPVS_CMD_DEL_SERVICE:
      return { op: 'deleteService', key: serviceKeyOf(msg) };
  }
  const service = serviceKeyOf(msg);
  if (!destNest) throw new IpvsDecodeError('missing IPVS_CMD_ATTR_DEST', 0);
  switch (cmd) {
    case K.IPVS_CMD_NEW_DEST:
      return { op: 'addDestination', service, destination: decodeDestination(destNest, service.af) };
    case K.IPVS_CMD_SET_DEST:
      return { op: 'updateDestination', service, destination: decodeDestination(destNest, service.af) };
    case K.IPVS_CMD_DEL_DEST:
      return { op: 'deleteDestination', service, key: decodeDestKey(parseAttrs(destNest), service.af) };
    default:
      throw new IpvsDecodeError(`IPVS command ${cmd} is not a table change`, 0);
  }
}
