import { formatPath, type FieldIssue, type Kind, type ManifestObject } from '../api/index.js';
import {
  CLEANUP_FINALIZER,
  nodeOfFieldManager,
  setCondition,
  type Condition,
  type ConditionInput,
  type LvsObjectRef,
} from '../kube/index.js';
import { VIP_CONFLICT } from '../director/index.js';
import type { KubeNode, KubeRejection, KubeSnapshot } from '../sources/index.js';

/** Field manager of the controller; node roles write as `lvs-operator/<node>[/<role>]`. */
export const CONTROLLER_FIELD_MANAGER = 'lvs-operator/controller';

/** The parts of a cached object the controller reads. */
export interface CachedState {
  readonly metadata?: {
    readonly uid?: string;
    readonly generation?: number;
    readonly finalizers?: readonly string[];
    readonly deletionTimestamp?: string | Date;
    readonly managedFields?: readonly {
      readonly manager?: string;
      readonly subresource?: string;
      readonly fieldsV1?: { readonly 'f:status'?: Record<string, unknown> };
    }[];
  };
  readonly status?: {
    readonly conditions?: readonly Condition[];
    readonly master?: string;
    readonly nodes?: readonly { readonly node: string; readonly state: string }[];
    readonly realServers?: readonly {
      readonly address: string;
      readonly port: number;
      readonly director: string;
      readonly health: string;
    }[];
    readonly health?: readonly { readonly director: string; readonly virtualServer: string; readonly state: string }[];
  };
}

export interface PassInputs {
  readonly snapshot: KubeSnapshot;
  readonly cached: (kind: Kind, namespace: string, name: string) => CachedState | undefined;
  readonly nowIso: string;
}

/** The controller's share of one object's status, applied as CONTROLLER_FIELD_MANAGER. */
export interface StatusWrite {
  readonly ref: LvsObjectRef;
  readonly status: Record<string, unknown>;
}

/** Status items a node that no longer exists still owns: applying `{}` as it removes them. */
export interface StaleManager {
  readonly ref: LvsObjectRef;
  readonly fieldManager: string;
}

export interface EventIntent {
  readonly ref: LvsObjectRef;
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly note: string;
}

/** Add `lvs.io/cleanup` (`want` true) or remove it once no live node reports the object. */
export interface FinalizerChange {
  readonly ref: LvsObjectRef;
  readonly current: CachedState;
  readonly want: boolean;
}

export interface PassPlan {
  readonly writes: StatusWrite[];
  readonly staleManagers: StaleManager[];
  readonly events: EventIntent[];
  readonly finalizers: FinalizerChange[];
}

/**
 * One controller pass, pure: conditions from the cross-object checks (Conflict) and the schema
 * (Invalid), aggregated status (a group's master, a service's ready real servers), and the
 * status items of deleted nodes to remove. Events only for transitions: into a bad state, and
 * a group's master changing.
 */
export function planPass(inputs: PassInputs): PassPlan {
  const { snapshot } = inputs;
  const writes: StatusWrite[] = [];
  const events: EventIntent[] = [];
  const staleManagers: StaleManager[] = [];
  const finalizers: FinalizerChange[] = [];
  const masters = groupMasters(snapshot.objects, inputs.cached);
  const liveNodes = new Set(snapshot.nodes.map((n: KubeNode) => n.name));

  const entries: { kind: Kind; namespace: string; name: string; object?: ManifestObject; rejection?: KubeRejection }[] =
    [
      ...snapshot.objects.flatMap((o) =>
        o.kind === 'Secret'
          ? []
          : [{ kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name, object: o }],
      ),
      ...snapshot.rejected.flatMap((r) =>
        r.kind === 'Secret' ? [] : [{ kind: r.kind, namespace: r.namespace, name: r.name, rejection: r }],
      ),
    ];

  for (const e of entries) {
    const cached = inputs.cached(e.kind, e.namespace, e.name);
    const uid = cached?.metadata?.uid;
    const ref: LvsObjectRef = { kind: e.kind, namespace: e.namespace, name: e.name, ...(uid ? { uid } : {}) };
    const generation = cached?.metadata?.generation;
    const previous = cached?.status?.conditions ?? [];
    const wanted = conditionsFor(e.rejection, generation, nodeVipConflicts(cached?.status?.nodes, liveNodes));
    let conditions: Condition[] = [];
    for (const c of wanted) {
      conditions = [...conditions, ...setCondition(previous, c, inputs.nowIso).filter((p) => p.type === c.type)];
      const before = previous.find((p) => p.type === c.type);
      if (c.status === 'True' && before?.status !== 'True') {
        events.push({ ref, type: 'Warning', reason: c.reason, note: c.message });
      }
    }
    const status: Record<string, unknown> = { conditions };
    if (e.object?.kind === 'VrrpGroup') {
      const master = masters.get(`${e.namespace}/${e.name}`);
      if (master) status['master'] = master;
      const event = masterChanged(ref, cached?.status?.master, master);
      if (event) events.push(event);
    }
    if (e.object?.kind === 'VirtualServer') {
      const groupRef = e.object.spec.vrrpGroupRef;
      const master = groupRef ? masters.get(`${e.namespace}/${groupRef.name}`) : undefined;
      if (master) status['master'] = master;
      const ready = readyOf(cached, master);
      if (ready) status['ready'] = ready;
    }
    if (e.object?.kind === 'RealServer') {
      const summary = healthSummary(cached?.status?.health ?? []);
      if (summary) status['summary'] = summary;
    }
    writes.push({ ref, status });

    const reportingNodes: string[] = [];
    for (const f of cached?.metadata?.managedFields ?? []) {
      const manager = f.manager ?? '';
      const node = nodeOfFieldManager(manager, CONTROLLER_FIELD_MANAGER);
      if (f.subresource !== 'status' || node === undefined) continue;
      // A manager that applied an empty status keeps an entry that owns nothing.
      if (Object.keys(f.fieldsV1?.['f:status'] ?? {}).length === 0) continue;
      if (liveNodes.has(node)) reportingNodes.push(node);
      else staleManagers.push({ ref, fieldManager: manager });
    }
    if (cached) {
      const held = cached.metadata?.finalizers?.includes(CLEANUP_FINALIZER) ?? false;
      const deleting = cached.metadata?.deletionTimestamp !== undefined;
      // A node withdraws its status items once it has removed what it programmed for the
      // object; when no live node has any left, the object may go.
      if (!deleting && !held) finalizers.push({ ref, current: cached, want: true });
      if (deleting && held && reportingNodes.length === 0) finalizers.push({ ref, current: cached, want: false });
    }
  }
  return { writes, staleManagers, events, finalizers };
}

/**
 * MasterChanged (Normal) when the group's master, as the nodes report it, becomes a node it was
 * not before. The previous master is read from the status this controller wrote, so a restart
 * or a second replica taking over records nothing new; a group left without a master records
 * nothing until one appears.
 */
export function masterChanged(
  ref: LvsObjectRef,
  before: string | undefined,
  after: string | undefined,
): EventIntent | undefined {
  if (after === undefined || after === before) return undefined;
  const note = before === undefined ? `${after} is MASTER (no master before)` : `${after} is MASTER (was ${before})`;
  return { ref, type: 'Normal', reason: 'MasterChanged', note };
}

/**
 * "on <node>: <reason>" for each live node whose director found one of the group's VIPs on
 * the node without having added it (src/director/vip-conflicts.ts), joined; empty when none.
 */
function nodeVipConflicts(
  nodes: readonly { readonly node: string; readonly reason?: string | undefined }[] | undefined,
  liveNodes: ReadonlySet<string>,
): string {
  return (nodes ?? [])
    .filter((n) => liveNodes.has(n.node) && n.reason?.startsWith(`${VIP_CONFLICT}:`) === true)
    .map((n) => `on ${n.node}: ${n.reason ?? ''}`)
    .join('; ')
    .slice(0, 32_000);
}

function conditionsFor(
  rejection: KubeRejection | undefined,
  generation: number | undefined,
  vipConflicts = '',
): ConditionInput[] {
  const g = generation === undefined ? {} : { observedGeneration: generation };
  if (rejection?.cause === 'invalid') {
    return [
      { type: 'Invalid', status: 'True', reason: 'InvalidSpec', message: describeIssues(rejection.issues), ...g },
    ];
  }
  const invalid: ConditionInput = {
    type: 'Invalid',
    status: 'False',
    reason: 'Valid',
    message: 'the spec is valid',
    ...g,
  };
  if (rejection?.cause === 'conflict') {
    const first = rejection.issues[0];
    return [
      invalid,
      {
        type: 'Conflict',
        status: 'True',
        reason: first ? conflictReason(first) : 'Conflict',
        message: describeIssues(rejection.issues),
        ...g,
      },
    ];
  }
  if (vipConflicts !== '') {
    return [invalid, { type: 'Conflict', status: 'True', reason: VIP_CONFLICT, message: vipConflicts, ...g }];
  }
  return [
    invalid,
    { type: 'Conflict', status: 'False', reason: 'NoConflict', message: 'no conflicting objects', ...g },
  ];
}

/** The condition reason for a cross-object issue, from the field it is about. */
export function conflictReason(issue: FieldIssue): string {
  const [first, second] = issue.path;
  if (first === 'metadata') return 'DuplicateObject';
  switch (second) {
    case 'virtualRouterId':
      return 'DuplicateVrid';
    case 'virtualIPs':
    case 'excludedVirtualIPs':
      return 'DuplicateVip';
    case 'addresses':
      return 'DuplicateService';
    case 'fwmark':
      return 'DuplicateFwmark';
    case 'vrrpGroupRef':
      return 'VrrpGroupNotFound';
    case 'realServerSelector':
      return 'NoRealServers';
    default:
      return 'Conflict';
  }
}

function describeIssues(issues: readonly FieldIssue[]): string {
  return issues
    .map((i) => (i.path.length > 0 ? `${formatPath(i.path)}: ${i.message}` : i.message))
    .join('; ')
    .slice(0, 32_000);
}

/** namespace/name of each VrrpGroup → the node reporting Master (the first, sorted, if several). */
function groupMasters(objects: readonly ManifestObject[], cached: PassInputs['cached']): Map<string, string> {
  const out = new Map<string, string>();
  for (const o of objects) {
    if (o.kind !== 'VrrpGroup') continue;
    const nodes = cached('VrrpGroup', o.metadata.namespace, o.metadata.name)?.status?.nodes ?? [];
    const master = nodes
      .filter((n) => n.state === 'Master')
      .map((n) => n.node)
      .sort()[0];
    if (master) out.set(`${o.metadata.namespace}/${o.metadata.name}`, master);
  }
  return out;
}

/** "up/all" over the real servers the directors report, as seen by the master when known. */
function readyOf(cached: CachedState | undefined, master: string | undefined): string | undefined {
  const entries = cached?.status?.realServers ?? [];
  if (entries.length === 0) return undefined;
  const seen =
    master && entries.some((e) => e.director === master) ? entries.filter((e) => e.director === master) : entries;
  const all = new Set(seen.map((e) => `${e.address}|${e.port}`));
  const up = new Set(seen.filter((e) => e.health === 'Up').map((e) => `${e.address}|${e.port}`));
  return `${up.size}/${all.size}`;
}

/**
 * A RealServer's health over every (director, VirtualServer) that reports it: "Up n/m" when
 * all m say Up, "Down n/m" when none does, "Degraded n/m" in between; nothing while no director
 * has reported.
 */
export function healthSummary(entries: readonly { readonly state: string }[]): string | undefined {
  if (entries.length === 0) return undefined;
  const up = entries.filter((e) => e.state === 'Up').length;
  const word = up === entries.length ? 'Up' : up === 0 ? 'Down' : 'Degraded';
  return `${word} ${up}/${entries.length}`;
}
