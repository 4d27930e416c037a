/**
 * Pure: what applying new manifests would change on one director node, computed with the
 * code the director runs (planNodeWithin, vipAcceptance, desiredTable, the IPVS reconciler's
 * planOwnedTable, the speaker's instanceChanges), never a second diff. `lvsctl plan` reads
 * the inputs and renders the result (plan-render.ts).
 */
import { isDeepStrictEqual } from 'node:util';
import { formatPath, type VipPolicy } from '../api/index.js';
import {
  desiredTable,
  excludesObject,
  planNodeWithin,
  plannedKey,
  vipAcceptance,
  VIP_REPORT_GRACE_MS,
  type VipAcceptance,
  type GroupRole,
  type NodeIdentity,
  type NodePlan,
  type PlanIssue,
} from '../director/index.js';
import {
  destId,
  planOwnedTable,
  serviceId,
  idleObserved,
  conflictMessage,
  conflictReason,
  type DesiredService,
  type DestKey,
  type DrainPolicy,
  type ObservedService,
  type Op,
  type PassOwnership,
  type ServiceConflict,
  type ServiceKey,
} from '../ipvs/index.js';
import { formatRef, type Model } from '../model/index.js';
import type { Diagnostic } from '../sources/index.js';
import { instanceChanges, type VrrpInstanceConfig } from '../vrrp/index.js';

/** Everything a prediction needs; the command reads it from files, the kernel and the record. */
export interface ChangeInputs {
  readonly node: NodeIdentity;
  readonly vipPolicy: VipPolicy;
  /** The model of the manifests in effect now (empty when unknown: everything is new). */
  readonly current: Model;
  /** The model of the new manifests, invalid objects standing in with their current version. */
  readonly next: Model;
  /** Problems of the new manifests (text, schema, cross-object), as the source reports them. */
  readonly diagnostics: readonly Diagnostic[];
  /** The kernel's IPVS table now. */
  readonly kernel: readonly ObservedService[];
  /** What the node's ownership record proves is ours (recordOwnership). */
  readonly ownership: PassOwnership;
  readonly drain: DrainPolicy;
  /** The VRRP role of each group on this node now (its VIPs held here: master). */
  readonly roleOf: (groupRef: string) => GroupRole;
}

/** An object, or a part of one, that applying would leave out, with the precise reason. */
export interface Refusal {
  /** "VirtualServer default/web", or "file.yaml:3" for text that is no object. */
  readonly object: string;
  readonly path: string;
  readonly message: string;
  /** InvalidSpec, VipDenied, ServiceConflict, ... (the condition reason the director reports). */
  readonly reason: string;
}

/** A real server that would start draining: weight 0 now, deleted once idle (drain.ts). */
export interface DrainStart {
  readonly service: ServiceKey;
  readonly destination: DestKey;
  /** `removed`: it left the spec; `weightZero`: its desired weight is 0. */
  readonly why: 'removed' | 'weightZero';
  readonly activeConns: number;
  readonly inactiveConns: number;
}

/** One VRRP instance that starts, stops or restarts (a changed instance restarts). */
export interface InstanceChange {
  readonly ref: string;
  readonly vrid: number;
  readonly interface: string;
  readonly change: 'started' | 'stopped' | 'restarted';
  /** The configuration fields that differ, for a restart. */
  readonly fields: readonly string[];
  /** VIPs ("address/prefix") this node takes (as master) or releases. */
  readonly vipsAdded: readonly string[];
  readonly vipsRemoved: readonly string[];
}

export interface NodeChanges {
  /** IPVS ops in the order a full pass applies them. */
  readonly ops: readonly Op[];
  /** The kernel table the ops apply to (for describing them). */
  readonly observed: readonly ObservedService[];
  /** Desired services another tool owns: left untouched, their VirtualServer reports it. */
  readonly conflicts: readonly ServiceConflict[];
  /** Services in the kernel that are not ours and not desired: left alone. */
  readonly foreign: readonly ServiceKey[];
  readonly drains: readonly DrainStart[];
  readonly instances: readonly InstanceChange[];
  /** The VirtualServer programming each IPVS service (by serviceId), now or after. */
  readonly owners: ReadonlyMap<string, string>;
  readonly refused: readonly Refusal[];
  readonly warnings: readonly Refusal[];
}

/** Whether applying changes anything on the node. */
export function hasChanges(c: NodeChanges): boolean {
  return c.ops.length > 0 || c.instances.length > 0;
}

/** The plan the director would make of `model` after having run `previous`. */
function nodePlanOf(i: ChangeInputs, model: Model, previous?: NodePlan): NodePlan {
  return planNodeWithin(i.vipPolicy, model, i.node, previous);
}

/**
 * The real-server VIP verdicts right after the director took `plan` (vip-acceptance.ts): a
 * server already planned under `running` has had its grace period (the director has been
 * running), a new one has just begun it.
 */
function acceptanceAfter(model: Model, plan: NodePlan, running: NodePlan): VipAcceptance {
  const firstPlannedMs = new Map<string, number>();
  for (const s of running.services) {
    for (const b of s.backends) firstPlannedMs.set(plannedKey(s.ref, b.id), -VIP_REPORT_GRACE_MS);
  }
  return vipAcceptance({ planned: plan.services, services: model.services, firstPlannedMs, nowMs: 0 });
}

/**
 * The desired IPVS table right after the director took `plan`: health checks have no verdict
 * on new servers yet (checked servers start up unless alpha), VRRP roles are those of now,
 * real servers whose node cannot accept the VIP are failing.
 */
function desiredAfter(plan: NodePlan, acceptance: VipAcceptance, roleOf: (ref: string) => GroupRole): DesiredService[] {
  return desiredTable(plan.services, () => undefined, roleOf, acceptance.failing);
}

/**
 * The IPVS table the director programs from `current`, as the kernel would list it (no
 * connections): the state to compare with when the node's kernel is not read (`--offline`).
 */
export function tableFrom(
  current: Model,
  node: NodeIdentity,
  vipPolicy: VipPolicy,
  roleOf: (groupRef: string) => GroupRole,
): ObservedService[] {
  const plan = planNodeWithin(vipPolicy, current, node);
  const desired = desiredAfter(plan, acceptanceAfter(current, plan, plan), roleOf);
  return desired.map(idleObserved);
}

/** Pure: the changes applying `i.next` would make on the node. */
export function planChanges(i: ChangeInputs): NodeChanges {
  const currentPlan = nodePlanOf(i, i.current);
  const nextPlan = nodePlanOf(i, i.next, currentPlan);
  const acceptance = acceptanceAfter(i.next, nextPlan, currentPlan);
  const desired = desiredAfter(nextPlan, acceptance, i.roleOf);
  const { plan, conflicts } = planOwnedTable({
    desired,
    observed: i.kernel,
    ownership: i.ownership,
    draining: new Map(),
    nowMs: 0,
    drain: i.drain,
  });
  const desiredIds = new Set(desired.map((s) => serviceId(s.key)));
  const foreign = i.kernel
    .filter((s) => !desiredIds.has(serviceId(s.key)) && !i.ownership.services.has(serviceId(s.key)))
    .map((s) => s.key);
  const owners = new Map<string, string>();
  for (const p of [currentPlan, nextPlan]) {
    for (const s of p.services) for (const x of s.services) owners.set(serviceId(x.key), formatRef(s.object));
  }
  return {
    ops: plan.ops,
    observed: i.kernel,
    conflicts,
    foreign,
    drains: drainsOf(plan.ops, i.kernel, desired),
    instances: instanceChangesOf(currentPlan, nextPlan),
    owners,
    refused: [
      ...i.diagnostics.filter((d) => d.severity === 'error').map(diagnosticRefusal),
      ...nextPlan.issues.filter(excludesObject).map(issueRefusal),
      ...conflicts.map((c) => ({
        object: owners.get(serviceId(c.key)) ?? '',
        path: '',
        message: conflictMessage(c),
        reason: conflictReason(c),
      })),
    ],
    warnings: [
      ...i.diagnostics.filter((d) => d.severity !== 'error').map(diagnosticRefusal),
      ...nextPlan.issues.filter((x) => !excludesObject(x)).map(issueRefusal),
      ...nextPlan.unsupported.map(issueRefusal),
      ...acceptance.issues.map(issueRefusal),
    ],
  };
}

function diagnosticRefusal(d: Diagnostic): Refusal {
  return {
    object: d.object === '' ? `${d.file}:${d.line}` : `${d.object} (${d.file}:${d.line})`,
    path: d.path,
    message: d.message,
    reason: 'InvalidSpec',
  };
}

function issueRefusal(x: PlanIssue): Refusal {
  return {
    object: formatRef(x.object),
    path: formatPath(x.path),
    message: x.message,
    reason: x.reason ?? 'InvalidSpec',
  };
}

/** Destinations whose weight an op takes from above 0 to 0: they start draining. */
function drainsOf(
  ops: readonly Op[],
  observed: readonly ObservedService[],
  desired: readonly DesiredService[],
): DrainStart[] {
  const have = new Map(observed.map((s) => [serviceId(s.key), s]));
  const want = new Map(desired.map((s) => [serviceId(s.key), new Set(s.destinations.map((d) => destId(d.key)))]));
  return ops.flatMap((op) => {
    if (op.op !== 'updateDestination' || op.destination.weight !== 0) return [];
    const d = have.get(serviceId(op.service))?.destinations.find((x) => destId(x.key) === destId(op.destination.key));
    if (!d || d.weight === 0) return [];
    const stays = want.get(serviceId(op.service))?.has(destId(d.key)) === true;
    return [
      {
        service: op.service,
        destination: d.key,
        why: stays ? ('weightZero' as const) : ('removed' as const),
        activeConns: d.activeConns,
        inactiveConns: d.inactiveConns,
      },
    ];
  });
}

const vipText = (v: VrrpInstanceConfig['virtualIPs'][number]): string => `${v.address}/${v.prefixLength}`;

/** The speaker's rule (instanceChanges) applied to the groups run now and after. */
function instanceChangesOf(current: NodePlan, next: NodePlan): InstanceChange[] {
  const { stop, start } = instanceChanges(
    current.groups,
    next.groups.map((g) => g.config),
  );
  const stopping = new Map(stop.map((g) => [g.config.name, g.config]));
  const starting = new Map(start.map((c) => [c.name, c]));
  const names = [...new Set([...stopping.keys(), ...starting.keys()])].sort();
  return names.map((ref) => {
    const before = stopping.get(ref);
    const after = starting.get(ref);
    const was = new Set((before?.virtualIPs ?? []).map(vipText));
    const will = new Set((after?.virtualIPs ?? []).map(vipText));
    const shown = (after ?? before) as VrrpInstanceConfig;
    const fields =
      before && after
        ? (Object.keys({ ...before, ...after }) as (keyof VrrpInstanceConfig)[]).filter(
            (k) => !isDeepStrictEqual(before[k], after[k]),
          )
        : [];
    return {
      ref,
      vrid: shown.vrid,
      interface: shown.interface,
      change: before && after ? 'restarted' : after ? 'started' : 'stopped',
      fields,
      vipsAdded: [...will].filter((v) => !was.has(v)),
      vipsRemoved: [...was].filter((v) => !will.has(v)),
    };
  });
}
