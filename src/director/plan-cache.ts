import type { ManifestObject, VirtualServer } from '../api/index.js';
import type { planService } from './plan-services.js';
import type { SecretResolver } from './plan-types.js';

/** What {@link planService} returned for one VirtualServer. */
export type ServicePlanResult = ReturnType<typeof planService>;

/**
 * The plans of VirtualServers from earlier passes, so a change re-plans only what it touched.
 * A plan is reused while its VirtualServer is the same object (the sources hand out a new
 * object for every new resourceVersion) and everything a service plan can read besides it, the
 * RealServer objects its selector picks from and the Secrets its checks name, are the same
 * objects as when it was made; a change to any of those re-plans every service.
 */
export class ServicePlanCache {
  private plans = new WeakMap<VirtualServer, ServicePlanResult>();
  private dependencies: readonly ManifestObject[] = [];
  private resolveSecret: SecretResolver | undefined;

  /** Keeps the cached plans only if they were made from these dependencies. */
  begin(objects: readonly ManifestObject[], resolveSecret: SecretResolver): void {
    const dependencies = objects.filter((o) => o.kind === 'RealServer' || o.kind === 'Secret');
    const same =
      resolveSecret === this.resolveSecret &&
      dependencies.length === this.dependencies.length &&
      dependencies.every((o, i) => o === this.dependencies[i]);
    if (same) return;
    this.plans = new WeakMap();
    this.dependencies = dependencies;
    this.resolveSecret = resolveSecret;
  }

  /** The cached plan of `vs`, or the one `plan` makes (then cached). */
  planOf(vs: VirtualServer, plan: () => ServicePlanResult): ServicePlanResult {
    const cached = this.plans.get(vs);
    if (cached) return cached;
    const result = plan();
    this.plans.set(vs, result);
    return result;
  }
}
