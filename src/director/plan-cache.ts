import type { ServiceModel } from '../model/index.js';
import type { planService } from './plan-services.js';

/** What {@link planService} returned for one VirtualServer. */
export type ServicePlanResult = ReturnType<typeof planService>;

/**
 * The plans of services from earlier passes, so a change re-plans only what it touched. The
 * model hands out the same entry while nothing it was made from changed (src/model
 * model-cache.ts), so a plan is reused while its entry is the same object.
 */
export class ServicePlanCache {
  private plans = new WeakMap<ServiceModel, ServicePlanResult>();

  /** The cached plan of `svc`, or the one `plan` makes (then cached). */
  planOf(svc: ServiceModel, plan: () => ServicePlanResult): ServicePlanResult {
    const cached = this.plans.get(svc);
    if (cached) return cached;
    const result = plan();
    this.plans.set(svc, result);
    return result;
  }
}
