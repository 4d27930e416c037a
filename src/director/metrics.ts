import { Counter, Gauge, type Registry } from 'prom-client';

/** lvs_director_* instruments behind intent-named methods. */
export class DirectorMetrics {
  private readonly planIssues: Gauge<'kind' | 'transient'>;
  private readonly plans: Counter;
  private readonly services: Gauge;
  private readonly groups: Gauge;
  private readonly daemonErrors: Counter;
  private readonly sysctlFailures: Counter<'name' | 'errno'>;
  private readonly sysctlValues: Gauge<'name'>;

  constructor(registry: Registry) {
    this.planIssues = new Gauge({
      name: 'lvs_director_plan_issues',
      help: 'Objects that could not be planned on this node, by kind and whether the problem may resolve itself.',
      labelNames: ['kind', 'transient'],
      registers: [registry],
    });
    this.plans = new Counter({ name: 'lvs_director_plans_total', help: 'Node plans computed.', registers: [registry] });
    this.services = new Gauge({
      name: 'lvs_director_services',
      help: 'Virtual servers planned on this node.',
      registers: [registry],
    });
    this.groups = new Gauge({
      name: 'lvs_director_vrrp_groups',
      help: 'VRRP groups run on this node.',
      registers: [registry],
    });
    this.daemonErrors = new Counter({
      name: 'lvs_director_sync_daemon_errors_total',
      help: 'Failed attempts to start or stop the IPVS connection sync daemon.',
      registers: [registry],
    });
    this.sysctlFailures = new Counter({
      name: 'lvs_director_ipvs_sysctl_failures_total',
      help: 'IPVS sysctls (net.ipv4.vs.*) that could not be read or set at start, by name and errno.',
      labelNames: ['name', 'errno'],
      registers: [registry],
    });
    this.sysctlValues = new Gauge({
      name: 'lvs_director_ipvs_sysctl',
      help: 'The value of each IPVS sysctl the director manages, as set or read at start.',
      labelNames: ['name'],
      registers: [registry],
    });
  }

  planned(groups: number, services: number, issues: readonly { kind: string; transient: boolean }[]): void {
    this.plans.inc();
    this.groups.set(groups);
    this.services.set(services);
    this.planIssues.reset();
    for (const i of issues) this.planIssues.inc({ kind: i.kind, transient: String(i.transient) });
  }

  syncDaemonFailed(): void {
    this.daemonErrors.inc();
  }

  ipvsSysctlFailed(name: string, errnoName: string): void {
    this.sysctlFailures.inc({ name, errno: errnoName });
  }

  ipvsSysctlIs(name: string, value: number): void {
    this.sysctlValues.set({ name }, value);
  }
}
