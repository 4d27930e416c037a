import type { WeightPlan } from '../health/index.js';
import type { DesiredService, Destination } from '../ipvs/index.js';
import type { PlannedService } from './plan-services.js';

/**
 * Real servers judged unable to take traffic by something other than the health checks (the
 * realserver role reporting that the backend cannot accept the VIP): service ref → backend id
 * → why. Only failing servers are listed.
 */
export type ExternalVerdicts = ReadonlyMap<string, ReadonlyMap<string, string>>;

/** What VRRP says about a group on this node, as far as IPVS cares. */
export type GroupRole = 'master' | 'backup' | 'absent';

/**
 * Whether a service is programmed on this node now: `programOn: Master` and `haSuspend`
 * follow the VRRP state of its group; otherwise always (keepalived programs both directors,
 * so the backup is ready the moment it takes over).
 */
export function isProgrammed(service: PlannedService, roleOf: (groupRef: string) => GroupRole): boolean {
  if (service.programOn === 'Always' || service.groupRef === undefined) return true;
  return roleOf(service.groupRef) === 'master';
}

/**
 * The IPVS services of one planned service with the destinations its weight plan allows.
 * Before health has produced a plan, servers without checks are in at their weight and
 * checked servers are in unless `alpha` says they start down (keepalived's default: up).
 */
export function desiredServicesOf(
  service: PlannedService,
  plan: WeightPlan | undefined,
  failing: ReadonlyMap<string, string> = new Map(),
): DesiredService[] {
  const byId = new Map(service.backends.map((b) => [b.id, b]));
  if (service.sorry) byId.set(service.sorry.backend.id, service.sorry.backend);
  const planned =
    plan?.destinations ??
    service.backends
      .filter((b) => !service.alpha || b.probes.length === 0)
      .map((b) => ({ id: b.id, weight: b.weight }));
  // A server failing outside its checks is treated as a failed check: weight 0 when it is
  // inhibited on failure, otherwise out (the health plan's quorum does not count it).
  const destinations: Destination[] = planned.flatMap((d) => {
    const backend = byId.get(d.id);
    if (!backend) return [];
    if (!failing.has(d.id)) return [{ ...backend.destination, weight: d.weight }];
    return backend.inhibitOnFailure ? [{ ...backend.destination, weight: 0 }] : [];
  });
  return service.services.map((s) => ({ ...s, destinations }));
}

/** The whole desired table of this node. */
export function desiredTable(
  services: readonly PlannedService[],
  planOf: (ref: string) => WeightPlan | undefined,
  roleOf: (groupRef: string) => GroupRole,
  failing: ExternalVerdicts = new Map(),
): DesiredService[] {
  return services
    .filter((s) => isProgrammed(s, roleOf))
    .flatMap((s) => desiredServicesOf(s, planOf(s.ref), failing.get(s.ref)));
}
