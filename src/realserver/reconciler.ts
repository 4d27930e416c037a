/**
 * One level-triggered pass of the realserver role: observe → plan (pure) → apply → report,
 * repeated within the pass while it makes progress (a device created in one round gets its
 * address and sysctls in the next), at most {@link MAX_ROUNDS} rounds. A failed change is not
 * retried within the pass; the next pass retries it.
 */
import type { Logger } from '../core/index.js';
import { messageOf } from '../core/index.js';
import type { VipPolicy } from '../api/index.js';
import { applyOps, type Failure } from './apply.js';
import { isOwnRealServer, selectEntries, type DesiredInput } from './desired.js';
import type { RealserverMetrics } from './metrics.js';
import { localAddressesOf, observeBase, readSysctls } from './observe.js';
import { plan, type Observed, type Op } from './plan.js';
import type { RealserverPorts } from './ports.js';
import { requirementsOf } from './requirements.js';
import { EMPTY_STATE, formatState, type RealserverState } from './state.js';
import { configuredByMode, inlineVips, vipStatuses, type InlineVips, type VipStatus } from './status.js';
import { formatRef, type AcceptEntry, type Issue, type ObjectRef } from './types.js';

/** Rounds of observe → plan → apply in one pass. */
export const MAX_ROUNDS = 3;

/** RealServer.status.vips of one RealServer object of this node. */
export interface RealServerVips {
  readonly realServer: ObjectRef;
  readonly vips: readonly Omit<VipStatus, 'virtualServer' | 'realServer' | 'address'>[];
}

/** What one pass did and found. */
export interface PassReport {
  readonly entries: readonly AcceptEntry[];
  readonly issues: readonly Issue[];
  readonly vips: readonly VipStatus[];
  /** Every RealServer object that is this node's, with its VIPs (possibly none). */
  readonly realServers: readonly RealServerVips[];
  /** Every VirtualServer with inline real servers whose VIPs this node accepts. */
  readonly inline: readonly InlineVips[];
  /** Kernel writes that succeeded. */
  readonly writes: number;
  readonly failures: readonly Failure[];
  readonly elapsedMs: number;
}

/** The reconciler's dependencies. */
export interface ReconcilerOptions {
  readonly nodeName: string;
  readonly ports: RealserverPorts;
  readonly log: Logger;
  readonly metrics: RealserverMetrics;
  /** The cluster administrator's VIP ranges; open when absent. */
  readonly vipPolicy?: VipPolicy;
  /** Milliseconds, for elapsed times; performance.now by default. */
  readonly now?: () => number;
}

/** Runs passes; holds the state record between them. Not reentrant: the role serialises passes. */
export class RealserverReconciler {
  private state: RealserverState = EMPTY_STATE;
  private savedText: string | undefined;
  private loaded = false;
  private loggedIssues = new Set<string>();
  private rulesUnavailable = false;

  constructor(private readonly opts: ReconcilerOptions) {}

  /**
   * Loads the record of a previous run. A corrupt record is logged and replaced: addresses and
   * devices are still adopted by their markers, but the original sysctl values it held are lost.
   */
  async load(): Promise<void> {
    try {
      const s = await this.opts.ports.state.load();
      this.state = s ?? EMPTY_STATE;
      this.savedText = s ? formatState(s) : undefined;
      if (s) {
        this.opts.log.info(
          { addresses: s.addresses.length, devices: s.devices.length, sysctls: s.sysctls.length },
          'realserver state loaded',
        );
      }
    } catch (err) {
      this.opts.metrics.failed('loadState');
      this.opts.log.error({ err }, 'realserver state unreadable; adopting by markers only');
      this.state = EMPTY_STATE;
    }
    this.loaded = true;
  }

  /** The current record (for tests and diagnostics). */
  get currentState(): RealserverState {
    return this.state;
  }

  /** One pass for these objects. */
  async pass(input: DesiredInput): Promise<PassReport> {
    const now = this.opts.now ?? (() => performance.now());
    const started = now();
    if (!this.loaded) await this.load();
    const { ports, log, metrics } = this.opts;
    let writes = 0;
    const failures: Failure[] = [];
    const failed = new Set<string>();
    let entries: readonly AcceptEntry[] = [];
    let issues: readonly Issue[] = [];
    let observed: Observed | undefined;
    for (let round = 0; round <= MAX_ROUNDS; round++) {
      const base = await observeBase(ports);
      if (round === 0) this.noteRulesUnavailable(base.rulesUnavailable);
      const desired = selectEntries(
        input,
        { nodeName: this.opts.nodeName, localAddresses: localAddressesOf(base, this.state) },
        this.opts.vipPolicy,
      );
      entries = desired.entries;
      issues = desired.issues;
      const req = requirementsOf(entries);
      const sysctls = await readSysctls(ports, [...req.sysctls.map((s) => s.key), ...this.state.sysctls]);
      observed = { ...base, sysctls };
      const ops = plan(req, observed, this.state).filter((op: Op) => !failed.has(JSON.stringify(op)));
      if (ops.length === 0 || round === MAX_ROUNDS) break;
      const result = await applyOps(ops, this.state, ports, log, metrics);
      this.state = result.state;
      writes += result.writes;
      failures.push(...result.failures);
      for (const f of result.failures) failed.add(JSON.stringify(f.op));
      await this.save();
    }
    const vips = observed ? vipStatuses(entries, observed, failures) : [];
    const elapsedMs = now() - started;
    metrics.synced(elapsedMs, configuredByMode(vips), issues.length);
    await this.save();
    this.logIssues(issues);
    log.debug({ entries: entries.length, writes, failures: failures.length, elapsedMs }, 'realserver pass done');
    return {
      entries,
      issues,
      vips,
      realServers: this.realServerVips(input.realServers, vips, issues, observed),
      inline: inlineVips(vips, issues),
      writes,
      failures,
      elapsedMs,
    };
  }

  private realServerVips(
    realServers: DesiredInput['realServers'],
    vips: readonly VipStatus[],
    issues: readonly Issue[],
    observed: Observed | undefined,
  ): RealServerVips[] {
    const node = {
      nodeName: this.opts.nodeName,
      localAddresses: observed ? localAddressesOf(observed, this.state) : new Set<string>(),
    };
    const isRef = (a: ObjectRef | undefined, b: ObjectRef): boolean =>
      a !== undefined && a.kind === b.kind && a.namespace === b.namespace && a.name === b.name;
    return realServers
      .filter((r) => isOwnRealServer(r, node))
      .map((r) => {
        const ref = r.ref;
        const out: RealServerVips['vips'][number][] = vips
          .filter((v) => isRef(v.realServer, ref))
          .map((v) => ({
            vip: v.vip,
            mode: v.mode,
            configured: v.configured,
            ...(v.message !== undefined ? { message: v.message } : {}),
          }));
        // A VIP an issue kept out (a conflict, Tunnel with IPv6) shows as not configured, with why.
        for (const i of issues) {
          if (!isRef(i.object, ref) || i.vip === undefined || i.mode === undefined) continue;
          if (out.some((v) => v.vip === i.vip)) continue;
          out.push({ vip: i.vip, mode: i.mode, configured: false, message: i.message });
        }
        return { realServer: ref, vips: out };
      });
  }

  /** Counts every pass without our table's rules, and logs when that starts or ends. */
  private noteRulesUnavailable(reason: string | undefined): void {
    if (reason !== undefined) this.opts.metrics.failed('listRules');
    if (reason !== undefined && !this.rulesUnavailable) {
      this.opts.log.warn({ op: 'listRules', err: reason }, 'REDIRECT rules unavailable; other modes go on');
    } else if (reason === undefined && this.rulesUnavailable) {
      this.opts.log.info({ op: 'listRules' }, 'REDIRECT rules available again');
    }
    this.rulesUnavailable = reason !== undefined;
  }

  /** Logs each issue once while it lasts (STYLE: a repeated problem is logged once, then counted). */
  private logIssues(issues: readonly Issue[]): void {
    const now = new Set<string>();
    for (const i of issues) {
      const key = `${formatRef(i.object)}|${i.path}|${i.message}`;
      now.add(key);
      if (this.loggedIssues.has(key)) continue;
      this.opts.log.warn(
        { object: formatRef(i.object), path: i.path, reason: i.reason, detail: i.message },
        'object not accepted on this node',
      );
    }
    this.loggedIssues = now;
  }

  private async save(): Promise<void> {
    const text = formatState(this.state);
    if (text === this.savedText) return;
    try {
      await this.opts.ports.state.save(this.state);
      this.savedText = text;
    } catch (err) {
      this.opts.metrics.failed('saveState');
      this.opts.log.error({ err: messageOf(err) }, 'realserver state not saved; retrying next pass');
    }
  }
}
