import type { Registry } from 'prom-client';
import { OPEN_VIP_POLICY, type VipPolicy } from '../api/index.js';
import type { CancelTimer, Clock, Logger } from '../core/index.js';
import type { HealthMonitor, MonitoredService, RealServerHealth } from '../health/index.js';
import {
  conflictMessage,
  conflictReason,
  serviceId,
  type IpvsClient,
  type IpvsReconciler,
  type IpvsSysctlName,
  type ServiceKey,
} from '../ipvs/index.js';
import { EMPTY_MODEL, formatRef, refKey, type BackendKey, type Model, type ObjectRef } from '../model/index.js';
import { ANY_COMMAND, type CommandMetrics, type CommandPolicy, type Sysctls } from '../net/index.js';
import type { VrrpEvent } from '../vrrp/index.js';
import { applyIpvsSysctls, type IpvsSysctlReport } from './ipvs-sysctls.js';
import { DirectorMetrics } from './metrics.js';
import type { NodeIdentity } from './node.js';
import { EMPTY_PLAN, planNodeWithin, type NodePlan } from './plan.js';
import { ServicePlanCache } from './plan-cache.js';
import type { PlannedService } from './plan-services.js';
import { excludesObject, type PlanIssue } from './plan-types.js';
import { desiredDaemons, planDaemons } from './sync-daemons.js';
import { desiredTable, type ExternalVerdicts, type GroupRole } from './table.js';
import { plannedKey, vipAcceptance, type VipAcceptance } from './vip-acceptance.js';
import { vipConflictIssues } from './vip-conflicts.js';
import type { VrrpRunner } from './vrrp-port.js';

export interface DirectorDeps {
  readonly node: NodeIdentity;
  readonly log: Logger;
  readonly registry: Registry;
  readonly clock: Clock;
  readonly vrrp: VrrpRunner;
  readonly ipvs: IpvsReconciler;
  /** For the connection sync daemon; the reconciler owns the table. */
  readonly ipvsClient: IpvsClient;
  /** The director subscribes to its weight plans. */
  readonly health: HealthMonitor;
  /**
   * Which commands of objects may run (default: all, as standalone). The same policy must
   * guard the process runner given to the health monitor and the VRRP speaker.
   */
  readonly commandPolicy?: CommandPolicy;
  /** Counts each newly refused command once. */
  readonly commandMetrics?: CommandMetrics;
  /** The cluster administrator's VIP ranges; objects with a VIP outside them are left out. */
  readonly vipPolicy?: VipPolicy;
}

/** A snapshot of what the director runs, for status and the CLI. */
export interface DirectorStatus {
  readonly groups: readonly {
    object: ObjectRef;
    ref: string;
    vrid: number;
    interface: string;
    state: string;
    /** As configured for this node (the instance's own, per-node override applied). */
    priority: number;
    effectivePriority: number;
    master: string | undefined;
    /** Address/prefix of each VIP. */
    virtualIPs: readonly string[];
    /** Configured VIPs found on this node that it did not add: left alone (vip-conflicts.ts). */
    vipConflicts?: readonly string[];
  }[];
  readonly services: readonly {
    object: ObjectRef;
    ref: string;
    programmed: boolean;
    /** Its IPVS services (one per VIP:port, or the fwmark). */
    ipvsServices: readonly ServiceKey[];
    realServers: readonly {
      id: string;
      key: BackendKey;
      /** The weight its spec asks for. */
      weight: number;
      /** The RealServer object, absent for a server written inline. */
      realServer?: ObjectRef;
      health: RealServerHealth | undefined;
      /** Why it takes no traffic although its checks may pass (its node cannot accept the VIP). */
      failing?: string;
    }[];
    /**
     * Destinations at weight 0 that left the spec (or failed without inhibitOnFailure) and
     * wait for their connections to end; always set by {@link Director.status}.
     */
    draining?: readonly {
      address: string;
      port: number;
      activeConns: number;
      inactiveConns: number;
      sinceMs: number;
    }[];
  }[];
  readonly issues: readonly PlanIssue[];
  readonly unsupported: readonly PlanIssue[];
  /**
   * Found in the kernel, not in the spec: a VirtualServer whose IPVS service another tool
   * already owns (reason ServiceConflict) or whose ownership cannot be proven
   * (OwnershipUnproven). Always set by {@link Director.status}.
   */
  observedIssues?: readonly PlanIssue[];
}

/**
 * The director role of one node: plans from validated objects (pure), then keeps three
 * runtimes in step — VRRP instances, health checks, the IPVS table — and the connection sync
 * daemon following VRRP. Every input (objects, a VRRP transition, a health change) leads to
 * one recomputation of the desired table; the IPVS reconciler merges bursts into one pass.
 */
export class Director {
  private model: Model = EMPTY_MODEL;
  private plan: NodePlan = EMPTY_PLAN;
  private readonly planCache = new ServicePlanCache();
  private readonly roles = new Map<string, GroupRole>();
  private readonly metrics: DirectorMetrics;
  private readonly log: Logger;
  private unsubscribe: (() => void) | undefined;
  private daemonsPass: Promise<void> = Promise.resolve();
  private reportedIssues = '';
  private refusedSeen = new Set<string>();
  private acceptance: VipAcceptance = { failing: new Map(), issues: [] };
  /** When each planned real server was first planned here (the grace of a missing VIP report). */
  private readonly firstPlanned = new Map<string, number>();
  private cancelGrace: CancelTimer | undefined;
  private unsubscribeHealth: (() => void) | undefined;
  private hasObjects = false;
  private synced = false;

  constructor(private readonly d: DirectorDeps) {
    this.log = d.log.child({ component: 'director' });
    this.metrics = new DirectorMetrics(d.registry);
  }

  /**
   * Starts following VRRP transitions and health weight plans; nothing is programmed before
   * the first {@link setModel}.
   */
  start(): void {
    this.unsubscribe = this.d.vrrp.subscribe((e) => this.onVrrp(e));
    // A weight plan changed: the reconciler logs and counts its failures.
    this.unsubscribeHealth = this.d.health.subscribe(() => {
      if (this.hasObjects) void this.syncTable();
    });
    this.d.ipvs.start();
  }

  /**
   * New desired state from the source (the model of the complete set of valid objects). Call
   * it only once the source has seen everything: the IPVS reconciler deletes what it owns and
   * no longer finds here.
   */
  async setModel(model: Model): Promise<void> {
    this.hasObjects = true;
    this.model = model;
    this.plan = planNodeWithin(
      this.d.vipPolicy ?? OPEN_VIP_POLICY,
      model,
      this.d.node,
      this.plan,
      this.planCache,
      this.d.commandPolicy ?? ANY_COMMAND,
    );
    this.updateAcceptance();
    this.metrics.planned(
      this.plan.groups.length,
      this.plan.services.length,
      this.plan.issues.filter(excludesObject).map((i) => ({ kind: i.object.kind, transient: i.transient })),
    );
    this.reportIssues();
    await this.d.vrrp.setInstances(this.plan.groups.map((g) => g.config));
    for (const s of this.d.vrrp.status()) this.roles.set(s.name, roleOfState(s.state));
    this.d.health.setServices(this.monitoredServices());
    await Promise.all([this.syncTable(), this.syncDaemons()]);
    this.synced = true;
  }

  /** True once a first set of objects has been planned and programmed (readiness). */
  hasSynced(): boolean {
    return this.synced;
  }

  /**
   * The realserver roles' VIP reports are plan inputs: real servers whose node cannot accept
   * the VIP are planned as failing (vip-acceptance.ts). A server that names its node and has
   * no report yet fails when its grace period ends, so a timer computes the verdicts again
   * then. Returns whether the verdicts changed.
   */
  private updateAcceptance(): boolean {
    const now = this.d.clock.now();
    const live = new Set<string>();
    for (const s of this.plan.services) {
      for (const b of s.backends) {
        const key = plannedKey(s.ref, b.id);
        live.add(key);
        if (!this.firstPlanned.has(key)) this.firstPlanned.set(key, now);
      }
    }
    for (const key of this.firstPlanned.keys()) if (!live.has(key)) this.firstPlanned.delete(key);
    const next = vipAcceptance({
      planned: this.plan.services,
      services: this.model.services,
      firstPlannedMs: this.firstPlanned,
      nowMs: now,
    });
    this.cancelGrace?.();
    this.cancelGrace = undefined;
    if (next.nextDeadlineMs !== undefined) {
      this.cancelGrace = this.d.clock.setTimer(next.nextDeadlineMs - now, () => {
        this.cancelGrace = undefined;
        if (this.updateAcceptance()) void this.syncTable(); // the reconciler logs and counts its failures
      });
    }
    const key = (v: ExternalVerdicts) => JSON.stringify([...v].map(([ref, ids]) => [ref, [...ids]]));
    const changed = key(next.failing) !== key(this.acceptance.failing);
    this.acceptance = next;
    return changed;
  }

  /** Sets the IPVS sysctls of this network namespace (ipvs-sysctls.ts); never throws. */
  setIpvsSysctls(port: Sysctls, wanted: Readonly<Partial<Record<IpvsSysctlName, number>>>): Promise<IpvsSysctlReport> {
    return applyIpvsSysctls(port, wanted, this.log, this.metrics);
  }

  status(): DirectorStatus {
    const vrrp = this.d.vrrp.status();
    const conflicts = this.d.vrrp.conflicts();
    const draining = this.d.ipvs.drainingDestinations();
    return {
      // The speaker runs exactly the planned groups.
      groups: vrrp.flatMap((s) => {
        const group = this.plan.groups.find((g) => g.ref === s.name);
        if (!group) return [];
        const vipConflicts = conflicts.filter((c) => c.instance === s.name).map((c) => c.address);
        return {
          object: group.object,
          ref: s.name,
          vrid: group.config.vrid,
          interface: group.config.interface,
          state: s.state,
          priority: group.config.priority,
          effectivePriority: s.effectivePriority,
          master: s.master,
          virtualIPs: group.config.virtualIPs.map((v) => `${v.address}/${v.prefixLength}`),
          ...(vipConflicts.length > 0 ? { vipConflicts } : {}),
        };
      }),
      services: this.plan.services.map((s) => ({
        object: s.object,
        ref: s.ref,
        programmed: this.isProgrammedNow(s),
        ipvsServices: s.services.map((x) => x.key),
        realServers: s.backends.map((b) => {
          const failing = this.acceptance.failing.get(s.ref)?.get(b.id);
          return {
            id: b.id,
            key: b.key,
            weight: b.weight,
            ...(b.realServer ? { realServer: b.realServer } : {}),
            health: this.d.health.realServerHealth(s.ref, b.id),
            ...(failing === undefined ? {} : { failing }),
          };
        }),
        draining: draining
          .filter((d) => s.services.some((x) => serviceId(x.key) === serviceId(d.service)))
          .map((d) => ({
            address: d.destination.address,
            port: d.destination.port,
            activeConns: d.activeConns,
            inactiveConns: d.inactiveConns,
            sinceMs: d.sinceMs,
          })),
      })),
      issues: [
        ...this.plan.issues,
        ...vipConflictIssues(conflicts, this.plan.groups, this.d.node.name),
        ...this.acceptance.issues,
      ],
      unsupported: this.plan.unsupported,
      observedIssues: this.conflictIssues(),
    };
  }

  /**
   * Graceful stop, in this order (docs/operations.md "Graceful stop, restart and drain"):
   * 1. stop following VRRP, so nothing below changes while the handover runs;
   * 2. VRRP hands over: a master sends priority 0 and keeps its VIPs, IPVS table, health
   *    checks and master sync daemon serving until it sees the new master, then releases its
   *    VIPs (vrrp/machine.ts `shutdown`);
   * 3. only then health checks stop; IPVS is left as it is unless `removeIpvs`, so a restart
   *    adopts the table without dropping a connection, and the sync daemons keep running.
   */
  async stop(opts: { removeIpvs: boolean }): Promise<void> {
    this.unsubscribe?.();
    await this.d.vrrp.stop();
    // Health plans and VIP-report deadlines keep the table right until the handover is over.
    this.unsubscribeHealth?.();
    this.cancelGrace?.();
    this.d.health.stop();
    if (opts.removeIpvs) await this.d.ipvs.setDesired([]);
    this.d.ipvs.stop();
    await this.daemonsPass;
  }

  private onVrrp(e: VrrpEvent): void {
    if (e.type !== 'transition') return;
    const role = roleOfState(e.to);
    if (this.roles.get(e.instance) === role) return;
    this.roles.set(e.instance, role);
    if (!this.hasObjects) return;
    this.d.health.setServices(this.monitoredServices());
    void this.syncTable();
    void this.syncDaemons();
  }

  private roleOf = (ref: string): GroupRole => this.roles.get(ref) ?? 'absent';

  /**
   * One issue per VirtualServer and reason, naming each of its IPVS services in conflict
   * (ipvs/conflicts.ts); Events and conditions key issues by object and reason.
   */
  private conflictIssues(): PlanIssue[] {
    const conflicts = new Map(this.d.ipvs.conflicts().map((c) => [serviceId(c.key), c]));
    if (conflicts.size === 0) return [];
    return this.plan.services.flatMap((s) => {
      const byReason = new Map<string, string[]>();
      for (const x of s.services) {
        const c = conflicts.get(serviceId(x.key));
        if (!c) continue;
        const reason = conflictReason(c);
        byReason.set(reason, [...(byReason.get(reason) ?? []), conflictMessage(c)]);
      }
      return [...byReason].map(([reason, messages]) => ({
        object: s.object,
        path: [],
        message: messages.join('; '),
        transient: true,
        reason,
      }));
    });
  }

  private isProgrammedNow(s: PlannedService): boolean {
    return desiredTable([s], () => undefined, this.roleOf).length > 0;
  }

  /** haSuspend: a service's checks run only while this node is master of its group. */
  private monitoredServices(): MonitoredService[] {
    return this.plan.services
      .filter((s) => !s.haSuspend || (s.groupRef !== undefined && this.roleOf(s.groupRef) === 'master'))
      .map((s) => ({
        id: s.ref,
        alpha: s.alpha,
        quorum: s.quorum,
        hysteresis: s.hysteresis,
        ...(s.sorry
          ? {
              sorryServer: {
                address: s.sorry.backend.key.address.text,
                port: s.sorry.backend.key.port,
                inhibit: s.sorry.inhibit,
              },
            }
          : {}),
        ...(s.notify ? { notify: s.notify } : {}),
        realServers: s.backends.map((b) => ({
          id: b.id,
          address: b.key.address.text,
          port: b.key.port,
          weight: b.weight,
          inhibitOnFailure: b.inhibitOnFailure,
          probes: b.probes,
          ...(b.notify ? { notify: b.notify } : {}),
        })),
      }));
  }

  /**
   * Writes only the services whose desired state changed (no dump of the table), so one
   * object's change costs one small request however many services there are; the
   * reconciler's periodic full pass repairs drift.
   */
  private async syncTable(): Promise<void> {
    const table = desiredTable(
      this.plan.services,
      (ref) => this.d.health.plan(ref),
      this.roleOf,
      this.acceptance.failing,
    );
    await this.d.ipvs.changeDesired(table);
  }

  /** Serialised: daemon starts and stops must not interleave. */
  private syncDaemons(): Promise<void> {
    this.daemonsPass = this.daemonsPass.then(async () => {
      const desired = desiredDaemons(this.plan.groups, this.roleOf);
      try {
        const { stop, start } = planDaemons(await this.d.ipvsClient.daemons(), desired);
        for (const state of stop) await this.d.ipvsClient.stopDaemon(state);
        for (const daemon of start) await this.d.ipvsClient.startDaemon(daemon);
        if (stop.length + start.length > 0) this.log.info({ daemons: desired }, 'connection sync daemons set');
      } catch (err) {
        this.metrics.syncDaemonFailed();
        this.log.error({ err }, 'connection sync daemon not set');
      }
    });
    return this.daemonsPass;
  }

  /** One log line per distinct set of issues, not one per plan. */
  private reportIssues(): void {
    const key = JSON.stringify([this.plan.issues, this.plan.unsupported]);
    if (key === this.reportedIssues) return;
    this.reportedIssues = key;
    const refused = new Set<string>();
    for (const i of this.plan.issues) {
      const fields = { object: formatRef(i.object), path: i.path.join('.'), problem: i.message };
      if (i.refusedCommand) {
        const key = JSON.stringify([refKey(i.object), i.path, i.refusedCommand.program]);
        refused.add(key);
        if (!this.refusedSeen.has(key)) this.d.commandMetrics?.refused(i.refusedCommand.kind);
        this.log.warn({ ...fields, command: i.refusedCommand.program }, 'command refused');
      } else {
        this.log.warn({ ...fields, transient: i.transient }, 'object not planned');
      }
    }
    this.refusedSeen = refused;
    for (const i of this.plan.unsupported) {
      this.log.warn(
        { object: formatRef(i.object), path: i.path.join('.'), problem: i.message },
        'setting not supported',
      );
    }
  }
}

function roleOfState(state: string): GroupRole {
  return state === 'master' ? 'master' : 'backup';
}
