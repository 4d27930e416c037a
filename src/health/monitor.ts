/**
 * The health monitor of a director: subscribes every real server's probes to the scheduler,
 * folds probe results into one state per real server (up only when all its checks pass, as
 * keepalived's num_failed_checkers does), keeps status (last result, reason, latency, since),
 * runs notify hooks, logs each state change with its reason, and hands a new weight plan to
 * the director whenever a service's destinations or quorum change.
 */
import { EventStream } from '../core/index.js';
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import type { ProbeKey } from './probes.js';
import type { HealthMetrics } from './metrics.js';
import type { ProbeReport, ProbeScheduler } from './scheduler.js';
import type { CheckResult, CheckType, FailureReason, HealthProbe, ProbeHealth, WeightEffect } from './types.js';
import { effectiveWeight, planWeights, type SorryServer, type WeightPlan } from './weights.js';

/** A real server as the monitor sees it (the director's planned backend). */
export interface MonitoredRealServer {
  /** Identity within the service, e.g. "192.0.2.10:80". */
  readonly id: string;
  readonly address: string;
  readonly port: number;
  readonly weight: number;
  readonly inhibitOnFailure: boolean;
  /** All must pass; none means always up (a real server without checkers). */
  readonly probes: readonly HealthProbe[];
  readonly notify?: { readonly up?: readonly string[]; readonly down?: readonly string[] };
}

/** A virtual server as the monitor sees it (the director's planned service). */
export interface MonitoredService {
  /** Identity of the virtual server, e.g. "namespace/name"; the `vs` log field and label. */
  readonly id: string;
  /** Servers start down until their checks pass (alpha). */
  readonly alpha: boolean;
  readonly quorum: number;
  readonly hysteresis: number;
  readonly sorryServer?: SorryServer;
  readonly notify?: { readonly quorumUp?: readonly string[]; readonly quorumDown?: readonly string[] };
  readonly realServers: readonly MonitoredRealServer[];
}

/** One check's view in status. */
export interface CheckStatus {
  readonly type: CheckType;
  readonly health: ProbeHealth;
  readonly lastResult?: CheckResult;
}

/** Status of one real server of one service. */
export interface RealServerHealth {
  readonly state: 'Up' | 'Down' | 'Unknown';
  /** Effective weight while up (configured weight with misc_dynamic / FILE_CHECK effects). */
  readonly weight: number;
  /** Why it is down: the failing check's reason and detail. */
  readonly reason?: FailureReason;
  readonly detail?: string;
  readonly latencyMs?: number;
  /** Wall-clock milliseconds of the last state change (or of the start). */
  readonly sinceMs: number;
  readonly checks: readonly CheckStatus[];
}

/** Runs a notify hook (notify_up, notify_down, quorum_up, quorum_down); never throws. */
export type NotifyRunner = (command: readonly string[], context: { readonly vs: string; readonly rs?: string }) => void;

/** Dependencies of the {@link HealthMonitor}. */
export interface MonitorOptions {
  readonly scheduler: ProbeScheduler;
  readonly log: Logger;
  /** Default: the scheduler's metrics (one HealthMetrics per registry). */
  readonly metrics?: HealthMetrics;
  readonly notify?: NotifyRunner;
  /** Wall-clock milliseconds for `since`; Date.now by default. */
  readonly wallClock?: () => number;
}

interface CheckState {
  readonly key: ProbeKey;
  readonly type: CheckType;
  health: ProbeHealth;
  effect?: WeightEffect;
  lastResult?: CheckResult;
}

interface ServerState {
  readonly spec: MonitoredRealServer;
  readonly checks: CheckState[];
  up: boolean;
  weight: number;
  sinceMs: number;
  latencyMs?: number;
}

interface ServiceState {
  readonly spec: MonitoredService;
  readonly servers: Map<string, ServerState>;
  readonly unsubscribe: (() => void)[];
  plan: WeightPlan;
}

/** Health of the real servers of a set of services; see the file comment. */
export class HealthMonitor {
  private readonly services = new Map<string, ServiceState>();
  private readonly log: Logger;
  private readonly wallClock: () => number;
  private readonly metrics: HealthMetrics | undefined;
  private readonly plans = new EventStream<{ readonly serviceId: string; readonly plan: WeightPlan }>();

  constructor(private readonly opts: MonitorOptions) {
    this.log = opts.log.child({ component: 'health-monitor' });
    this.wallClock = opts.wallClock ?? Date.now;
    this.metrics = opts.metrics ?? opts.scheduler.metrics;
  }

  /** Hears each service's new weight plan (and the first one when a service is set). */
  subscribe(listener: (serviceId: string, plan: WeightPlan) => void): () => void {
    return this.plans.subscribe((e) => listener(e.serviceId, e.plan));
  }

  private publish(serviceId: string, plan: WeightPlan): void {
    this.plans.emit({ serviceId, plan });
  }

  /** Replaces the monitored services; unchanged ones keep their state and subscriptions. */
  setServices(services: readonly MonitoredService[]): void {
    const wanted = new Map(services.map((s) => [s.id, s]));
    for (const [id, state] of this.services) {
      if (!wanted.has(id)) this.remove(id, state);
    }
    for (const spec of services) {
      const old = this.services.get(spec.id);
      if (old && isDeepStrictEqual(old.spec, spec)) continue;
      this.add(spec, old);
    }
  }

  /** The current plan of a service. */
  plan(serviceId: string): WeightPlan | undefined {
    return this.services.get(serviceId)?.plan;
  }

  /** Status of one real server of a service. */
  realServerHealth(serviceId: string, rsId: string): RealServerHealth | undefined {
    const server = this.services.get(serviceId)?.servers.get(rsId);
    return server ? this.statusOf(server) : undefined;
  }

  /** Unsubscribes everything. */
  stop(): void {
    for (const [id, state] of this.services) this.remove(id, state);
  }

  private add(spec: MonitoredService, old: ServiceState | undefined): void {
    const state: ServiceState = {
      spec,
      servers: new Map(),
      unsubscribe: [],
      plan: { destinations: [], quorumUp: false, aliveWeight: 0 },
    };
    const now = this.wallClock();
    for (const rs of spec.realServers) {
      const server: ServerState = { spec: rs, checks: [], up: false, weight: rs.weight, sinceMs: now };
      state.servers.set(rs.id, server);
      const previous = old?.servers.get(rs.id);
      rs.probes.forEach((probe, index) => {
        // Subscribe before the old subscriptions go, so shared probes keep running and their health.
        const sub = this.opts.scheduler.subscribe(probe, (report) => this.onReport(state, server, index, report));
        state.unsubscribe.push(sub.unsubscribe);
        const check: CheckState = { key: sub.key, type: probe.type, health: this.opts.scheduler.healthOf(sub.key) };
        // An edited check (new interval, new path ...) is a new probe: until its first verdict it
        // inherits the verdict of the check it replaces, as keepalived's migrate_checkers carries
        // state across a reload, so an edit does not flap the server.
        const before = previous?.checks[index];
        if (check.health === 'unknown' && before && before.type === probe.type) {
          check.health = before.health;
          if (before.effect) check.effect = before.effect;
          if (before.lastResult) check.lastResult = before.lastResult;
        }
        server.checks.push(check);
      });
      this.refresh(server, spec.alpha);
      if (previous && previous.up === server.up) server.sinceMs = previous.sinceMs;
      this.metrics?.realServerState(spec.id, rs.id, server.up, false);
    }
    if (old) {
      this.remove(spec.id, old, false);
      for (const rsId of old.servers.keys()) {
        if (!state.servers.has(rsId)) this.metrics?.realServerRemoved(spec.id, rsId);
      }
    }
    this.services.set(spec.id, state);
    state.plan = this.planOf(state, old?.plan.quorumUp);
    this.metrics?.quorumIs(spec.id, state.plan.quorumUp);
    this.publish(spec.id, state.plan);
  }

  private remove(id: string, state: ServiceState, forget = true): void {
    for (const unsubscribe of state.unsubscribe) unsubscribe();
    state.unsubscribe.length = 0;
    if (!forget) return;
    for (const rsId of state.servers.keys()) this.metrics?.realServerRemoved(id, rsId);
    this.metrics?.virtualServerRemoved(id);
    this.services.delete(id);
  }

  private onReport(state: ServiceState, server: ServerState, index: number, report: ProbeReport): void {
    if (this.services.get(state.spec.id) !== state) return;
    const check = server.checks[index];
    if (!check) return;
    check.health = report.health;
    check.lastResult = report.result;
    if (report.result.ok) {
      if (report.result.weight) check.effect = report.result.weight;
      else delete check.effect;
    }
    server.latencyMs = report.result.latencyMs;
    const wasUp = server.up;
    const oldWeight = server.weight;
    this.refresh(server, state.spec.alpha);
    if (server.up !== wasUp) this.transition(state, server);
    if (server.up !== wasUp || server.weight !== oldWeight) this.replan(state);
  }

  /** Recomputes a server's up state and weight from its checks. */
  private refresh(server: ServerState, alpha: boolean): void {
    server.up = server.checks.every((c) => c.health === 'up' || (c.health === 'unknown' && !alpha));
    const effects = server.checks.flatMap((c) => (c.effect ? [c.effect] : []));
    server.weight = effectiveWeight(server.spec.weight, effects);
  }

  private transition(state: ServiceState, server: ServerState): void {
    const vs = state.spec.id;
    const rs = server.spec.id;
    server.sinceMs = this.wallClock();
    this.metrics?.realServerState(vs, rs, server.up, true);
    const failing = server.checks.find((c) => c.health === 'down')?.lastResult;
    if (server.up) this.log.info({ vs, rs }, 'real server up');
    else {
      const why = failing && !failing.ok ? { reason: failing.reason, detail: failing.detail } : {};
      this.log.info({ vs, rs, ...why }, 'real server down');
    }
    const hook = server.up ? server.spec.notify?.up : server.spec.notify?.down;
    if (hook) this.opts.notify?.(hook, { vs, rs });
  }

  private replan(state: ServiceState): void {
    const plan = this.planOf(state, state.plan.quorumUp);
    const changed =
      !isDeepStrictEqual(plan.destinations, state.plan.destinations) || plan.quorumUp !== state.plan.quorumUp;
    state.plan = plan;
    this.metrics?.quorumIs(state.spec.id, plan.quorumUp);
    if (plan.quorumChange) {
      const vs = state.spec.id;
      const fields = {
        vs,
        aliveWeight: plan.aliveWeight,
        quorum: state.spec.quorum,
        hysteresis: state.spec.hysteresis,
      };
      this.log.info(fields, plan.quorumChange === 'gained' ? 'quorum gained' : 'quorum lost');
      const hook = plan.quorumChange === 'gained' ? state.spec.notify?.quorumUp : state.spec.notify?.quorumDown;
      if (hook) this.opts.notify?.(hook, { vs });
    }
    if (changed) this.publish(state.spec.id, plan);
  }

  private planOf(state: ServiceState, quorumUp: boolean | undefined): WeightPlan {
    const spec = state.spec;
    return planWeights({
      realServers: [...state.servers.values()].map((s) => ({
        id: s.spec.id,
        address: s.spec.address,
        port: s.spec.port,
        weight: s.weight,
        inhibitOnFailure: s.spec.inhibitOnFailure,
        up: s.up,
      })),
      quorum: spec.quorum,
      hysteresis: spec.hysteresis,
      ...(spec.sorryServer ? { sorryServer: spec.sorryServer } : {}),
      ...(quorumUp !== undefined ? { quorumUp } : {}),
    });
  }

  private statusOf(server: ServerState): RealServerHealth {
    const known = server.checks.length === 0 || server.checks.some((c) => c.health !== 'unknown');
    const failing = server.checks.find((c) => c.health === 'down')?.lastResult;
    return {
      state: !known ? 'Unknown' : server.up ? 'Up' : 'Down',
      weight: server.weight,
      ...(failing && !failing.ok ? { reason: failing.reason, detail: failing.detail } : {}),
      ...(server.latencyMs !== undefined ? { latencyMs: server.latencyMs } : {}),
      sinceMs: server.sinceMs,
      checks: server.checks.map((c) => ({
        type: c.type,
        health: c.health,
        ...(c.lastResult ? { lastResult: c.lastResult } : {}),
      })),
    };
  }
}
