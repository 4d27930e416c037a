import type { Registry } from 'prom-client';
import { metricsOn, type MetricDefiner } from '../metrics/index.js';

/** lvs_director_* instruments behind intent-named methods. */
export class DirectorMetrics {
  /** The instruments, defined in `instruments` below. */
  private readonly m: ReturnType<typeof instruments>;

  constructor(registry: Registry) {
    this.m = instruments(metricsOn(registry));
  }

  planned(groups: number, services: number, issues: readonly { kind: string; transient: boolean }[]): void {
    this.m.plans.inc();
    this.m.groups.set(groups);
    this.m.services.set(services);
    this.m.planIssues.reset();
    for (const i of issues) this.m.planIssues.inc({ kind: i.kind, transient: String(i.transient) });
  }

  syncDaemonFailed(): void {
    this.m.daemonErrors.inc();
  }

  ipvsSysctlFailed(name: string, errnoName: string): void {
    this.m.sysctlFailures.inc({ name, errno: errnoName });
  }

  ipvsSysctlIs(name: string, value: number): void {
    this.m.sysctlValues.set({ name }, value);
  }
}

/** The instruments, each defined once; their label names type them. */
function instruments({ counter, gauge }: MetricDefiner) {
  return {
    planIssues: gauge(
      'lvs_director_plan_issues',
      'Objects that could not be planned on this node, by kind and whether the problem may resolve itself.',
      ['kind', 'transient'],
    ),
    plans: counter('lvs_director_plans_total', 'Node plans computed.'),
    services: gauge('lvs_director_services', 'Virtual servers planned on this node.'),
    groups: gauge('lvs_director_vrrp_groups', 'VRRP groups run on this node.'),
    daemonErrors: counter(
      'lvs_director_sync_daemon_errors_total',
      'Failed attempts to start or stop the IPVS connection sync daemon.',
    ),
    sysctlFailures: counter(
      'lvs_director_ipvs_sysctl_failures_total',
      'IPVS sysctls (net.ipv4.vs.*) that could not be read or set at start, by name and errno.',
      ['name', 'errno'],
    ),
    sysctlValues: gauge(
      'lvs_director_ipvs_sysctl',
      'The value of each IPVS sysctl the director manages, as set or read at start.',
      ['name'],
    ),
  };
}
