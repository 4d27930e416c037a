import { partitionOwned, type OwnershipView, type ServiceConflict } from './conflicts.js';
import { removalStep, type DrainPolicy } from './drain.js';
import {
  ZERO_STATS,
  destId,
  serviceDestId,
  serviceId,
  type DesiredService,
  type Destination,
  type ObservedService,
  type Op,
  type Service,
  type ServiceKey,
} from './types.js';

/** Everything a pass knows: the desired table, one kernel dump, and what it owns. */
export interface PlanInput {
  readonly desired: readonly DesiredService[];
  readonly observed: readonly ObservedService[];
  /**
   * Services created by earlier passes (by serviceId). With the desired set, these are the
   * services this planner owns; every other service in the kernel is left alone.
   */
  readonly recorded: ReadonlyMap<string, ServiceKey>;
  /** When each draining destination (serviceDestId) began to drain. */
  readonly draining: ReadonlyMap<string, number>;
  readonly nowMs: number;
  readonly drain: DrainPolicy;
}

/** The ops of one pass, in a safe order, and the drain bookkeeping that follows from them. */
export interface Plan {
  readonly ops: Op[];
  /** Draining destinations after this pass, with the time each began. */
  readonly draining: Map<string, number>;
  /** How many destinations are waiting out their drain. */
  readonly waiting: number;
}

/** The parts of a service the kernel lets us change in place (IPVS_CMD_SET_SERVICE). */
const SERVICE_WRITABLE = [
  'scheduler',
  'flags',
  'timeoutMs',
  'netmask',
  'peName',
] as const satisfies readonly (keyof Service)[];
/** The parts of a destination the kernel lets us change in place (IPVS_CMD_SET_DEST). */
const DESTINATION_WRITABLE = [
  'forwarding',
  'weight',
  'upperThreshold',
  'lowerThreshold',
  'tunnelType',
  'tunnelPort',
  'tunnelFlags',
] as const satisfies readonly (keyof Destination)[];

function sameFields<T>(a: T, b: T, fields: readonly (keyof T)[]): boolean {
  for (const f of fields) if (a[f] !== b[f]) return false;
  return true;
}

/** Whether the writable parts of two services are equal (kube-proxy's VirtualServer.Equal). */
export function sameService(a: Service, b: Service): boolean {
  return sameFields(a, b, SERVICE_WRITABLE);
}

/** Whether the writable parts of two destinations are equal. */
export function sameDestination(a: Destination, b: Destination): boolean {
  return sameFields(a, b, DESTINATION_WRITABLE);
}

/** Whether two desired services program the same kernel service and destinations, in order. */
export function sameDesired(a: DesiredService, b: DesiredService): boolean {
  if (!sameService(a, b) || a.destinations.length !== b.destinations.length) return false;
  return a.destinations.every((d, i) => {
    const o = b.destinations[i];
    return o !== undefined && destId(o.key) === destId(d.key) && sameDestination(o, d);
  });
}

/**
 * Pure: what differs between two desired tables: the services of `next` that are new or not
 * {@link sameDesired} to their previous version, and the keys of previous services it lacks.
 */
export function diffDesired(
  previous: ReadonlyMap<string, DesiredService>,
  next: readonly DesiredService[],
): { changed: DesiredService[]; removed: ServiceKey[] } {
  const changed: DesiredService[] = [];
  const ids = new Set<string>();
  for (const s of next) {
    const id = serviceId(s.key);
    ids.add(id);
    const old = previous.get(id);
    if (!old || !sameDesired(old, s)) changed.push(s);
  }
  const removed = [...previous.values()].filter((s) => !ids.has(serviceId(s.key))).map((s) => s.key);
  return { changed, removed };
}

/** What a full pass knows about ownership: the record's view plus the services it names. */
export interface PassOwnership extends OwnershipView {
  /** The services owned now (by serviceId): the only ones a pass may delete. */
  readonly services: ReadonlyMap<string, ServiceKey>;
}

/**
 * Pure: one full pass's decision, as the reconciler makes it and `lvsctl plan` predicts it:
 * desired services the kernel has and that are not provably ours become conflicts (left
 * untouched), and the rest are planned against the kernel dump with {@link planTable}.
 */
export function planOwnedTable(input: Omit<PlanInput, 'recorded'> & { readonly ownership: PassOwnership }): {
  plan: Plan;
  conflicts: ServiceConflict[];
} {
  const present = new Set(input.observed.map((s) => serviceId(s.key)));
  const { plannable, conflicts } = partitionOwned(input.desired, (id) => present.has(id), input.ownership);
  const plan = planTable({
    desired: plannable,
    observed: input.observed,
    recorded: input.ownership.services,
    draining: input.draining,
    nowMs: input.nowMs,
    drain: input.drain,
  });
  return { plan, conflicts };
}

const writable = (s: DesiredService): Service => ({
  key: s.key,
  scheduler: s.scheduler,
  flags: s.flags,
  timeoutMs: s.timeoutMs,
  netmask: s.netmask,
  peName: s.peName,
});

/**
 * Pure diff of desired against observed: the minimal ops that make the owned part of the
 * kernel table equal the desired one. Changed services and destinations are edited in place
 * (never deleted and re-added); removed destinations drain (drain.ts); owned services that are
 * no longer desired are deleted; services we do not own are never touched. Order: services
 * added or edited, destinations added or edited, destinations drained or deleted, services
 * deleted.
 */
export function planTable(input: PlanInput): Plan {
  const observedById = new Map(input.observed.map((s) => [serviceId(s.key), s]));
  const serviceOps: Op[] = [];
  const destOps: Op[] = [];
  const removals: Op[] = [];
  const draining = new Map<string, number>();
  let waiting = 0;

  for (const want of input.desired) {
    const have = observedById.get(serviceId(want.key));
    if (!have) serviceOps.push({ op: 'addService', service: writable(want) });
    else if (!sameService(want, have)) serviceOps.push({ op: 'updateService', service: writable(want) });
    const haveDests = new Map((have?.destinations ?? []).map((d) => [destId(d.key), d]));
    const wanted = new Set<string>();
    for (const d of want.destinations) {
      const id = destId(d.key);
      wanted.add(id);
      const current = haveDests.get(id);
      if (!current) destOps.push({ op: 'addDestination', service: want.key, destination: d });
      else if (!sameDestination(d, current))
        destOps.push({ op: 'updateDestination', service: want.key, destination: d });
    }
    for (const d of have?.destinations ?? []) {
      if (wanted.has(destId(d.key))) continue;
      const id = serviceDestId(want.key, d.key);
      const since = input.draining.get(id);
      const step = removalStep(want.key, d, since, input.nowMs, input.drain);
      if (step === 'delete') {
        removals.push({ op: 'deleteDestination', service: want.key, key: d.key });
      } else {
        draining.set(id, since ?? input.nowMs);
        if (step === 'setWeightZero') {
          removals.push({ op: 'updateDestination', service: want.key, destination: { ...d, weight: 0 } });
        } else waiting++;
      }
    }
  }

  const desiredIds = new Set(input.desired.map((s) => serviceId(s.key)));
  const serviceDeletes: Op[] = [];
  for (const have of input.observed) {
    const id = serviceId(have.key);
    if (!desiredIds.has(id) && input.recorded.has(id)) serviceDeletes.push({ op: 'deleteService', key: have.key });
  }
  return { ops: [...serviceOps, ...destOps, ...removals, ...serviceDeletes], draining, waiting };
}

/**
 * Applies ops to a table in memory with the kernel's effect (what the fake does), for checking
 * plans: applying planTable's ops to `observed` must give `desired` on owned services.
 */
export function applyOps(observed: readonly ObservedService[], ops: readonly Op[]): ObservedService[] {
  const table = new Map(observed.map((s) => [serviceId(s.key), { ...s, destinations: [...s.destinations] }]));
  for (const op of ops) {
    switch (op.op) {
      case 'addService':
      case 'updateService': {
        const old = table.get(serviceId(op.service.key));
        table.set(serviceId(op.service.key), {
          ...op.service,
          stats: old?.stats ?? ZERO_STATS,
          destinations: old?.destinations ?? [],
        });
        break;
      }
      case 'deleteService':
        table.delete(serviceId(op.key));
        break;
      case 'addDestination':
      case 'updateDestination': {
        const s = table.get(serviceId(op.service));
        if (!s) break;
        const i = s.destinations.findIndex((d) => destId(d.key) === destId(op.destination.key));
        const prev = i === -1 ? undefined : s.destinations[i];
        const next = {
          activeConns: 0,
          inactiveConns: 0,
          persistConns: 0,
          stats: ZERO_STATS,
          ...prev,
          ...op.destination,
        };
        if (i === -1) s.destinations.unshift(next);
        else s.destinations[i] = next;
        break;
      }
      case 'deleteDestination': {
        const s = table.get(serviceId(op.service));
        if (s) s.destinations = s.destinations.filter((d) => destId(d.key) !== destId(op.key));
        break;
      }
    }
  }
  return [...table.values()];
}
