/**
 * The apply step: run a plan's operations through the ports. One failed operation does not
 * stop the others (the next pass retries it), except where the order protects the network:
 * no IPv4 VIP is added while the arp sysctls on `all` could not be raised, and no arp sysctl is
 * restored while a VIP could not be removed (the backend would answer ARP for the VIP and take
 * the clients' traffic from the director: the LVS-DR "ARP problem", seed 001).
 */
import type { Logger } from '../core/index.js';
import { messageOf } from '../core/index.js';
import { ChangeSkippedError } from './errors.js';
import type { RealserverMetrics } from './metrics.js';
import { isKernelWrite, nextState, type Op } from './plan.js';
import type { RealserverPorts } from './ports.js';
import type { RealserverState } from './state.js';
import { keyOf, sysctlPathOf } from './types.js';

/** An operation that failed, with why. */
export interface Failure {
  readonly op: Op;
  readonly error: unknown;
}

/** What applying a plan did. */
export interface ApplyResult {
  readonly state: RealserverState;
  /** Kernel writes that succeeded. */
  readonly writes: number;
  readonly failures: readonly Failure[];
}

async function run(op: Op, ports: RealserverPorts): Promise<void> {
  switch (op.op) {
    case 'setSysctl':
      return ports.sysctls.write(sysctlPathOf(op.key), op.value);
    case 'restoreSysctl':
      return ports.sysctls.write(sysctlPathOf(op.key), op.value);
    case 'addDevice':
      return ports.devices.add(op.device);
    case 'upDevice':
      return ports.devices.setUp(op.name);
    case 'removeDevice':
      return ports.devices.remove(op.name);
    case 'addAddress':
      // Planned only for an address that was absent: the record takes it as ours.
      await ports.addresses.add({
        ifindex: op.ifindex,
        address: op.address.address,
        prefixLength: op.address.prefixLength,
        ...(op.label !== undefined ? { label: op.label } : {}),
      });
      return;
    case 'removeAddress':
      return ports.addresses.remove({
        ifindex: op.ifindex,
        address: op.address.address,
        prefixLength: op.address.prefixLength,
        ...(op.label !== undefined ? { label: op.label } : {}),
      });
    case 'addRule':
      return ports.rules.add(op.rule);
    case 'removeRule':
      return ports.rules.remove(op.handle);
    case 'removeTable':
      return ports.rules.removeTable();
    default:
      // adopt* and forget* change the record only.
      return;
  }
}

/** Log fields naming what an operation touches. */
export function fieldsOf(op: Op): Record<string, unknown> {
  switch (op.op) {
    case 'setSysctl':
    case 'restoreSysctl':
      return { op: op.op, iface: op.key.iface, sysctl: op.key.name, value: op.value };
    case 'forgetSysctl':
      return { op: op.op, iface: op.key.iface, sysctl: op.key.name };
    case 'addDevice':
    case 'adoptDevice':
      return { op: op.op, iface: op.device.name, kind: op.device.kind };
    case 'upDevice':
    case 'removeDevice':
    case 'forgetDevice':
      return { op: op.op, iface: op.name };
    case 'addAddress':
    case 'removeAddress':
    case 'adoptAddress':
    case 'forgetAddress':
      return { op: op.op, iface: op.address.device, vip: op.address.address };
    case 'addRule':
      return { op: op.op, vip: op.rule.vip, protocol: op.rule.protocol, port: op.rule.port };
    case 'removeRule':
      return { op: op.op, handle: op.handle, vip: op.rule?.vip };
    case 'removeTable':
      return { op: op.op };
  }
}

const isArpKey = (op: Op): boolean =>
  (op.op === 'setSysctl' || op.op === 'restoreSysctl') &&
  (op.key.name === 'arp_ignore' || op.key.name === 'arp_announce');

/** Runs `ops` in order, each independently, and returns the new state record. */
export async function applyOps(
  ops: readonly Op[],
  state: RealserverState,
  ports: RealserverPorts,
  log: Logger,
  metrics: RealserverMetrics,
): Promise<ApplyResult> {
  let s = state;
  let writes = 0;
  const failures: Failure[] = [];
  let arpRaised = true;
  let vipsRemoved = true;
  for (const op of ops) {
    try {
      if (op.op === 'addAddress' && op.family === 4 && !arpRaised) {
        throw new ChangeSkippedError('not added: the arp sysctls on all could not be raised');
      }
      if (isArpKey(op) && op.op === 'restoreSysctl' && !vipsRemoved) {
        throw new ChangeSkippedError('not restored: a VIP could not be removed');
      }
      await run(op, ports);
    } catch (error) {
      failures.push({ op, error });
      if (op.op === 'setSysctl' && op.key.iface === 'all' && isArpKey(op)) arpRaised = false;
      if (op.op === 'removeAddress' || op.op === 'removeDevice') vipsRemoved = false;
      metrics.failed(op.op);
      log.warn({ ...fieldsOf(op), err: messageOf(error) }, 'realserver change failed');
      continue;
    }
    s = nextState(s, op);
    if (isKernelWrite(op)) {
      writes++;
      metrics.applied(op.op);
      log.info(fieldsOf(op), 'realserver change applied');
    } else if (op.op === 'adoptAddress' || op.op === 'adoptDevice') {
      log.info(fieldsOf(op), 'adopted from a previous run');
    } else {
      log.info(fieldsOf(op), 'record dropped: gone or changed by someone else');
    }
  }
  return { state: s, writes, failures };
}

/** The key of the kernel object an operation touches, to tie failures to status entries. */
export function objectKeyOf(op: Op): string | undefined {
  switch (op.op) {
    case 'setSysctl':
    case 'restoreSysctl':
      return `sysctl|${keyOf.sysctl(op.key)}`;
    case 'addDevice':
      return `device|${op.device.name}`;
    case 'upDevice':
      return `device|${op.name}`;
    case 'addAddress':
      return `address|${keyOf.address(op.address)}`;
    case 'addRule':
      return `rule|${keyOf.rule(op.rule)}`;
    default:
      return undefined;
  }
}
