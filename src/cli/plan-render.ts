/**
 * Pure: a node's predicted changes (plan-changes.ts) as text for people and JSON for tools.
 * IPVS changes are shown twice: as the ipvsadm commands a full pass runs (src/ipvs formatOp,
 * the `ipvsadm -S` syntax) and as one readable line each.
 */
import {
  destId,
  formatOp,
  formatServiceKey,
  serviceId,
  type DestKey,
  type ObservedDestination,
  type Op,
  type Service,
  type ServiceKey,
} from '../ipvs/index.js';
import { hasChanges, type InstanceChange, type NodeChanges, type Refusal } from './plan-changes.js';

const FORWARDING: Record<string, string> = {
  masq: 'NAT',
  droute: 'DR',
  tunnel: 'TUN',
  local: 'local',
  bypass: 'bypass',
};

const destText = (d: DestKey): string => (d.af === 'inet6' ? `[${d.address}]:${d.port}` : `${d.address}:${d.port}`);

/** The fields of a service that an edit changes, as "name old -> new". */
function serviceEdits(before: Service | undefined, after: Service): string[] {
  if (!before) return [];
  const out: string[] = [];
  if (before.scheduler !== after.scheduler) out.push(`scheduler ${before.scheduler} -> ${after.scheduler}`);
  if (before.flags !== after.flags) out.push(`flags 0x${before.flags.toString(16)} -> 0x${after.flags.toString(16)}`);
  if (before.timeoutMs !== after.timeoutMs) {
    out.push(`persistence ${before.timeoutMs / 1000}s -> ${after.timeoutMs / 1000}s`);
  }
  if (before.netmask !== after.netmask) out.push(`netmask ${before.netmask} -> ${after.netmask}`);
  if (before.peName !== after.peName) out.push(`pe "${before.peName}" -> "${after.peName}"`);
  return out;
}

/** The fields of a destination that an edit changes. */
function destinationEdits(before: ObservedDestination | undefined, after: Op & { op: 'updateDestination' }): string[] {
  if (!before) return [];
  const d = after.destination;
  const out: string[] = [];
  if (before.weight !== d.weight) out.push(`weight ${before.weight} -> ${d.weight}`);
  if (before.forwarding !== d.forwarding) {
    out.push(`forwarding ${FORWARDING[before.forwarding] ?? ''} -> ${FORWARDING[d.forwarding] ?? ''}`);
  }
  if (before.upperThreshold !== d.upperThreshold)
    out.push(`upper threshold ${before.upperThreshold} -> ${d.upperThreshold}`);
  if (before.lowerThreshold !== d.lowerThreshold)
    out.push(`lower threshold ${before.lowerThreshold} -> ${d.lowerThreshold}`);
  if (
    before.tunnelType !== d.tunnelType ||
    before.tunnelPort !== d.tunnelPort ||
    before.tunnelFlags !== d.tunnelFlags
  ) {
    out.push('tunnel settings');
  }
  return out;
}

const connections = (d: { activeConns: number; inactiveConns: number }): string =>
  `${d.activeConns} active, ${d.inactiveConns} inactive connections`;

/** One readable line per op: `+` added, `~` changed, `-` removed, `!` starts draining. */
export function describeOp(op: Op, changes: NodeChanges): string {
  const observed = new Map(changes.observed.map((s) => [serviceId(s.key), s]));
  const svc = (k: ServiceKey): string => {
    const owner = changes.owners.get(serviceId(k));
    return `service ${formatServiceKey(k)}${owner ? ` (${owner})` : ''}`;
  };
  const dest = (k: ServiceKey, d: DestKey) =>
    observed.get(serviceId(k))?.destinations.find((x) => destId(x.key) === destId(d));
  const rs = (k: ServiceKey, d: DestKey) => `real server ${destText(d)} of ${svc(k)}`;
  switch (op.op) {
    case 'addService':
      return `+ ${svc(op.service.key)}: added, scheduler ${op.service.scheduler}`;
    case 'updateService':
      return `~ ${svc(op.service.key)}: ${serviceEdits(observed.get(serviceId(op.service.key)), op.service).join(', ')}`;
    case 'deleteService': {
      const n = observed.get(serviceId(op.key))?.destinations.length ?? 0;
      return `- ${svc(op.key)}: removed with its ${n} real server${n === 1 ? '' : 's'}`;
    }
    case 'addDestination':
      return `+ ${rs(op.service, op.destination.key)}: added, ${FORWARDING[op.destination.forwarding] ?? ''}, weight ${op.destination.weight}`;
    case 'updateDestination': {
      const before = dest(op.service, op.destination.key);
      const drain = changes.drains.find(
        (d) => serviceId(d.service) === serviceId(op.service) && destId(d.destination) === destId(op.destination.key),
      );
      const edits = destinationEdits(before, op).join(', ');
      if (!drain) return `~ ${rs(op.service, op.destination.key)}: ${edits}`;
      const why = drain.why === 'removed' ? 'removed from the spec' : 'weight 0 in the spec';
      return `! ${rs(op.service, op.destination.key)}: starts draining (${why}; ${edits}; ${connections(drain)}; deleted once idle or after the drain timeout)`;
    }
    case 'deleteDestination': {
      const before = dest(op.service, op.key);
      const busy = before && before.activeConns + before.inactiveConns > 0 ? ` (drops ${connections(before)})` : '';
      return `- ${rs(op.service, op.key)}: removed${busy}`;
    }
  }
}

function instanceLine(c: InstanceChange): string {
  const head = `instance ${c.ref} (VRID ${c.vrid} on ${c.interface})`;
  const vips = [
    ...(c.vipsAdded.length > 0 ? [`VIPs taken as master: ${c.vipsAdded.join(', ')}`] : []),
    ...(c.vipsRemoved.length > 0 ? [`VIPs released: ${c.vipsRemoved.join(', ')}`] : []),
  ];
  const tail = vips.length > 0 ? `; ${vips.join('; ')}` : '';
  switch (c.change) {
    case 'started':
      return `+ ${head}: started${tail}`;
    case 'stopped':
      return `- ${head}: stopped (priority 0 handover)${tail}`;
    case 'restarted':
      return `~ ${head}: restarted, ${c.fields.join(', ')} changed (a master hands over first)${tail}`;
  }
}

const refusalLine = (r: Refusal): string =>
  `${r.object}${r.path ? `: ${r.path}` : ''}: ${r.message}${r.reason === 'InvalidSpec' ? '' : ` [${r.reason}]`}`;

/** The text report: commands, summary, VRRP, refusals, warnings, one closing count line. */
export function renderText(node: string, c: NodeChanges): string {
  const out: string[] = [];
  const section = (title: string, lines: readonly string[]) => {
    if (lines.length === 0) return;
    out.push(`${title}:`, ...lines.map((l) => `  ${l}`), '');
  };
  section('IPVS commands (ipvsadm, in the order the director applies them)', c.ops.map(formatOp));
  section('IPVS changes', [
    ...c.ops.map((op) => describeOp(op, c)),
    ...c.foreign.map((k) => `= service ${formatServiceKey(k)}: left alone (not ours)`),
  ]);
  section('VRRP', c.instances.map(instanceLine));
  section('Refused (left out when applied)', c.refused.map(refusalLine));
  section('Warnings', c.warnings.map(refusalLine));
  const counts = [
    `${c.ops.length} IPVS change${c.ops.length === 1 ? '' : 's'}`,
    `${c.instances.length} VRRP instance change${c.instances.length === 1 ? '' : 's'}`,
    `${c.drains.length} real server${c.drains.length === 1 ? '' : 's'} starting to drain`,
    `${c.refused.length} refused`,
  ];
  out.push(`Node ${node}: ${hasChanges(c) ? counts.join(', ') : `no changes, ${c.refused.length} refused`}`);
  return `${out.join('\n')}\n`;
}

/** The JSON report: the same content, keys stable for tools. */
export function renderJson(node: string, c: NodeChanges): string {
  const doc = {
    node,
    changes: hasChanges(c),
    ipvs: {
      commands: c.ops.map(formatOp),
      changes: c.ops.map((op) => ({ command: formatOp(op), summary: describeOp(op, c) })),
      draining: c.drains.map((d) => ({
        service: formatServiceKey(d.service),
        realServer: destText(d.destination),
        why: d.why,
        activeConns: d.activeConns,
        inactiveConns: d.inactiveConns,
      })),
      leftAlone: c.foreign.map(formatServiceKey),
    },
    vrrp: { instances: c.instances },
    refused: c.refused,
    warnings: c.warnings,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
