/**
 * The VRRP speaker: runs a set of instances on this node. It resolves interfaces and source
 * addresses, removes VIPs a previous run left behind, opens one transport per (interface,
 * family, source), dispatches received adverts by VRID after the codec and the §7.1 checks,
 * and feeds link and script tracking into the instances. Stopping is graceful: every master
 * sends priority 0 and keeps its VIPs until it has seen the new master (machine.ts
 * `shutdown`), and releases them before `stop()` resolves.
 */
import type { Clock, Logger } from '../core/index.js';
import { LogRateLimit } from '../core/index.js';
import type { Registry } from 'prom-client';
import { canonicalIp } from '../net/ip-codec.js';
import {
  ownerLabel,
  primaryAddress,
  type Addresses,
  type LinkInfo,
  type Links,
  type ProcessRunner,
  type VipFilter,
} from '../net/index.js';
import { checkAdvert } from './accept.js';
import { decodeAdvert } from './codec.js';
import { VrrpConfigError } from './errors.js';
import { VrrpEventStream } from './events.js';
import { instanceChanges } from './instance-changes.js';
import { VrrpInstanceRunner, type AnnouncePort, type InstanceStatus } from './instance.js';
import { VrrpMetrics } from './metrics.js';
import { ScriptTracker } from './script-tracker.js';
import { evaluateTracking } from './tracking.js';
import type { AdvertTransport, ReceivedPacket, TransportFactory } from './transport.js';
import type { Checked, DropReason, VrrpInstanceConfig } from './types.js';
import { OwnedVips, type VipRecordStore } from './vip-record.js';

/** Dependencies of the speaker: ports only. */
export interface SpeakerDeps {
  readonly instances: readonly VrrpInstanceConfig[];
  readonly clock: Clock;
  readonly log: Logger;
  readonly registry: Registry;
  readonly links: Links;
  readonly addresses: Addresses;
  readonly vipFilter: VipFilter;
  readonly announcer: AnnouncePort;
  readonly openTransport: TransportFactory;
  readonly commands: ProcessRunner;
  /** The record of the VIPs this node added (vip-record.ts): only those are ever removed. */
  readonly vipRecord: VipRecordStore;
}

/** A configured VIP that is on its interface and not ours: left alone, reported. */
export interface VipConflict {
  /** The instance (the VrrpGroup's "namespace/name" in a cluster). */
  readonly instance: string;
  readonly vrid: number;
  readonly iface: string;
  readonly address: string;
}

/** The tag of the IPv4 label on the VIPs of VRID `vrid`: `<iface>:vrrp<vrid>`. */
export function vipLabelTag(vrid: number): string {
  return `vrrp${vrid}`;
}

const OWNED_LABEL = /:vrrp\d{1,3}$/;

interface Group {
  readonly transport: AdvertTransport;
  readonly source: string;
  readonly byVrid: Map<number, VrrpInstanceRunner>;
}

/** A dropped packet's sender: a configured unicast peer or a current master, or anyone else. */
type PeerKind = 'peer' | 'stranger';

/** Drop log budget: lines per (reason, peer kind) and window. */
const DROP_LOG_LINES = 5;
const DROP_LOG_WINDOW_MS = 60_000;

function peerKindOf(g: Group, source: string): PeerKind {
  // Sources are the codec's canonical text (formatIp); configured peers may be written otherwise.
  const canonical = canonicalIp(source);
  if (canonical === undefined) return 'stranger';
  for (const r of g.byVrid.values()) {
    if (r.status().master === canonical) return 'peer';
    if (r.config.unicastPeers.some((u) => canonicalIp(u) === canonical)) return 'peer';
  }
  return 'stranger';
}

/** Runs VRRP instances; `start()` then `stop()`. */
export class VrrpSpeaker {
  /** In-process events (transitions, master changes, priorities). */
  readonly events = new VrrpEventStream();
  private readonly metrics: VrrpMetrics;
  private readonly log: Logger;
  private readonly runners: VrrpInstanceRunner[] = [];
  private instances: readonly VrrpInstanceConfig[];
  private readonly cleanedLinks = new Set<number>();
  private readonly groups = new Map<string, Group>();
  private readonly linkStates = new Map<string, boolean>();
  private readonly owned: OwnedVips;
  /** Drop log lines per (reason, peer kind) and minute; never keyed by a packet's address. */
  private readonly dropLog: LogRateLimit<`${DropReason}|${PeerKind}`>;
  private scripts: ScriptTracker | undefined;
  private unwatch: (() => void) | undefined;
  private started = false;

  constructor(private readonly d: SpeakerDeps) {
    this.instances = d.instances;
    this.metrics = new VrrpMetrics(d.registry);
    this.log = d.log.child({ component: 'vrrp-speaker' });
    this.owned = new OwnedVips(d.vipRecord, (err) => {
      this.metrics.failed('record');
      this.log.error({ err }, 'virtual address record not saved');
    });
    this.dropLog = new LogRateLimit({
      clock: d.clock,
      windowMs: DROP_LOG_WINDOW_MS,
      linesPerWindow: DROP_LOG_LINES,
      onSuppressed: (cls, suppressed, windowMs) => {
        const [reason, peerKind] = cls.split('|');
        this.log.warn({ reason, peerKind, suppressed, windowMs }, 'advert drop lines suppressed');
      },
    });
  }

  /**
   * Configured VIPs of non-owner instances (priority below 255) that are on their interface
   * but were not added by this node: the node's own address, or an administrator's.
   */
  conflicts(): VipConflict[] {
    return this.runners
      .filter((r) => r.config.priority !== 255)
      .flatMap((r) =>
        r.foreignVips().map((address) => ({
          instance: r.config.name,
          vrid: r.config.vrid,
          iface: r.config.interface,
          address,
        })),
      );
  }

  /** Status of every running instance. */
  status(): InstanceStatus[] {
    return this.runners.map((r) => r.status());
  }

  /**
   * Starts every instance that can run. An instance whose interface or source address is
   * missing is reported (log + returned error) and left out; the others run.
   */
  async start(): Promise<VrrpConfigError[]> {
    if (this.started) return [];
    this.started = true;
    const links = new Map((await this.d.links.list()).map((l) => [l.name, l]));
    for (const l of links.values()) this.linkStates.set(l.name, l.up);
    this.unwatch = this.d.links.watch((l) => this.onLink(l));
    try {
      await this.owned.load();
    } catch (err) {
      // Without the record only our IPv4 labels prove ownership; nothing else is removed.
      this.metrics.failed('record');
      this.log.error({ err }, 'virtual address record not loaded');
    }
    // The filter table is ours alone: a crashed run's blocks go, whatever this run needs.
    try {
      await this.d.vipFilter.reset();
    } catch (err) {
      if (this.instances.some((i) => !i.acceptMode && i.priority !== 255)) {
        this.metrics.failed('cleanup');
        this.log.error({ err }, 'accept mode filter not reset');
      } else {
        this.log.debug({ err }, 'accept mode filter not reset');
      }
    }
    return this.startAll(this.instances, links);
  }

  /**
   * Starts these instances, then the track scripts they need, then each one's state machine
   * with its tracking applied. Returns the configurations refused.
   */
  private async startAll(
    configs: readonly VrrpInstanceConfig[],
    links: ReadonlyMap<string, LinkInfo>,
  ): Promise<VrrpConfigError[]> {
    const problems: VrrpConfigError[] = [];
    const started: VrrpInstanceRunner[] = [];
    for (const cfg of configs) {
      const r = await this.startInstance(cfg, links);
      if (r instanceof VrrpConfigError) problems.push(r);
      else started.push(r);
    }
    this.restartScripts();
    for (const r of started) {
      this.retrackOne(r);
      r.handle({ type: 'startup' });
    }
    return problems;
  }

  /**
   * Runs exactly these instances from now on, by name: unchanged ones keep running untouched,
   * removed ones stop gracefully (priority 0, VIPs released once the new master is seen, so a
   * removed master holds this call for up to Master_Down_Interval), new ones start, and changed
   * ones stop and start again (a master among them hands over, as keepalived does on a reload
   * that changes an instance). Before {@link start}, only records the set.
   */
  async setInstances(configs: readonly VrrpInstanceConfig[]): Promise<VrrpConfigError[]> {
    this.instances = configs;
    if (!this.started) return [];
    const { stop: going, start: fresh } = instanceChanges(this.runners, configs);
    await Promise.all(going.map((r) => this.removeRunner(r)));
    if (fresh.length === 0 && going.length === 0) return [];
    const links = new Map((await this.d.links.list()).map((l) => [l.name, l]));
    const problems = await this.startAll(fresh, links);
    this.log.info(
      { started: fresh.length, stopped: going.length, running: this.runners.length },
      'vrrp instances updated',
    );
    return problems;
  }

  private async startInstance(
    cfg: VrrpInstanceConfig,
    links: ReadonlyMap<string, LinkInfo>,
  ): Promise<VrrpInstanceRunner | VrrpConfigError> {
    try {
      const link = links.get(cfg.interface);
      if (!link) throw new VrrpConfigError(cfg.name, `interface ${cfg.interface} not found`);
      // A previous run's VIPs go once per interface, the first time an instance uses it.
      if (!this.cleanedLinks.has(link.index)) {
        this.cleanedLinks.add(link.index);
        await this.removeStale(link);
      }
      // The source is the interface's own address; one that is also configured as a VIP (a
      // conflict, reported below) only when there is no other, as the owner (255) does.
      const vips = new Set(cfg.virtualIPs.map((v) => v.address));
      const entries = await this.d.addresses.list({ ifindex: link.index });
      const source =
        cfg.unicastSrc ??
        primaryAddress(
          entries.filter((e) => cfg.priority === 255 || !vips.has(e.address)),
          cfg.family,
        )?.address ??
        primaryAddress(entries, cfg.family)?.address;
      if (!source) throw new VrrpConfigError(cfg.name, `no IPv${cfg.family} address on ${cfg.interface}`);
      const foreign = await this.foreignVips(cfg, link);
      const runner = this.createRunner(cfg, link, source, foreign);
      this.runners.push(runner);
      return runner;
    } catch (err) {
      const e = err instanceof VrrpConfigError ? err : new VrrpConfigError(cfg.name, 'cannot start', { cause: err });
      this.log.error({ err: e, vrid: cfg.vrid, iface: cfg.interface }, 'vrrp instance not started');
      return e;
    }
  }

  /** Stops one instance gracefully and closes its transport when nothing else uses it. */
  private async removeRunner(r: VrrpInstanceRunner): Promise<void> {
    await r.shutdown();
    this.runners.splice(this.runners.indexOf(r), 1);
    this.metrics.instanceRemoved(r.config.name, r.config.vrid);
    for (const [key, g] of this.groups) {
      if (g.byVrid.get(r.config.vrid) !== r) continue;
      g.byVrid.delete(r.config.vrid);
      if (g.byVrid.size === 0) {
        g.transport.close();
        this.groups.delete(key);
      }
    }
  }

  /** Script tracking covers the scripts of the running instances. */
  private restartScripts(): void {
    this.scripts?.stop();
    this.scripts = new ScriptTracker({
      scripts: this.runners.flatMap((r) => r.config.trackScripts),
      clock: this.d.clock,
      commands: this.d.commands,
      log: this.log,
      onChange: () => this.retrack(),
      onError: () => this.metrics.failed('script'),
    });
    this.scripts.start();
  }

  /**
   * Graceful stop: priority 0 from masters, which keep receiving (the sockets stay open) until
   * they have seen the new master and released their VIPs; then the sockets close.
   */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.scripts?.stop();
    this.unwatch?.();
    await Promise.all(this.runners.map((r) => r.shutdown()));
    for (const g of this.groups.values()) g.transport.close();
    this.groups.clear();
    this.dropLog.stop();
  }

  /**
   * Removes the VIPs a previous run left on an interface we manage: those carrying our label
   * and those in the record, nothing else. Recorded addresses that are gone are forgotten.
   */
  private async removeStale(link: LinkInfo): Promise<void> {
    const entries = await this.d.addresses.list({ ifindex: link.index });
    for (const e of entries) {
      const labelled = e.label !== undefined && e.label.startsWith(`${link.name}:`) && OWNED_LABEL.test(e.label);
      if (!labelled && !this.owned.has(link.name, e.address)) continue;
      await this.removeLogged(link, e.address, e.prefixLength, labelled ? e.label : undefined);
    }
    const present = new Set(entries.map((e) => e.address));
    for (const v of this.owned.on(link.name))
      if (!present.has(v.address)) await this.owned.forget(link.name, v.address);
  }

  /**
   * Configured VIPs still on the interface after {@link removeStale} are not ours: the node's
   * own address, or one an administrator added. They are left alone, and reported unless the
   * instance is the address owner (priority 255, RFC 5798 §1: the VIPs are its real addresses).
   */
  private async foreignVips(cfg: VrrpInstanceConfig, link: LinkInfo): Promise<Set<string>> {
    const present = new Set((await this.d.addresses.list({ ifindex: link.index })).map((e) => e.address));
    const foreign = new Set(cfg.virtualIPs.map((v) => v.address).filter((a) => present.has(a)));
    if (cfg.priority !== 255) {
      for (const vip of foreign) this.log.warn({ vrid: cfg.vrid, iface: link.name, vip }, 'virtual address conflict');
      this.metrics.conflictsAre(cfg.name, cfg.vrid, foreign.size);
    }
    return foreign;
  }

  private async removeLogged(
    link: LinkInfo,
    address: string,
    prefixLength: number,
    label: string | undefined,
  ): Promise<void> {
    try {
      await this.d.addresses.remove({ ifindex: link.index, address, prefixLength, ...(label ? { label } : {}) });
      await this.owned.forget(link.name, address);
      this.log.info({ iface: link.name, vip: address }, 'stale virtual address removed');
    } catch (err) {
      this.metrics.failed('cleanup');
      this.log.error({ err, iface: link.name, vip: address }, 'stale virtual address not removed');
    }
  }

  private createRunner(
    cfg: VrrpInstanceConfig,
    link: LinkInfo,
    source: string,
    foreign: ReadonlySet<string>,
  ): VrrpInstanceRunner {
    const key = `${link.name}|${cfg.family}|${source}`;
    let group = this.groups.get(key);
    if (!group) {
      const transport = this.d.openTransport({
        family: cfg.family,
        ifname: link.name,
        ifindex: link.index,
        source,
        multicast: this.instances.some(
          (i) => i.interface === link.name && i.family === cfg.family && i.unicastPeers.length === 0,
        ),
      });
      const g: Group = { transport, source, byVrid: new Map() };
      transport.onPacket((p) => this.onPacket(g, p));
      transport.onError((err) => {
        this.metrics.failed('receive');
        this.log.warn({ err, iface: link.name }, 'vrrp receive failed');
      });
      this.groups.set(key, g);
      group = g;
    }
    const runner = new VrrpInstanceRunner({
      config: cfg,
      link,
      primaryAddress: source,
      label: ownerLabel(link.name, vipLabelTag(cfg.vrid)),
      owned: this.owned,
      foreign,
      onForeign: () => {
        if (cfg.priority !== 255) this.metrics.conflictsAre(cfg.name, cfg.vrid, runner.foreignVips().length);
      },
      transport: group.transport,
      clock: this.d.clock,
      log: this.log.child({ vrid: cfg.vrid, iface: link.name }),
      metrics: this.metrics,
      events: this.events,
      addresses: this.d.addresses,
      vipFilter: this.d.vipFilter,
      announcer: this.d.announcer,
      commands: this.d.commands,
    });
    group.byVrid.set(cfg.vrid, runner);
    return runner;
  }

  private onPacket(g: Group, p: Checked<ReceivedPacket>): void {
    if (!p.ok) return this.drop(p.reason, 'unknown', g);
    const { payload, meta } = p.value;
    if (meta.source === g.source) return this.drop('own_advert', meta.source, g);
    const decoded = decodeAdvert(payload, meta);
    if (!decoded.ok) return this.drop(decoded.reason, meta.source, g);
    const runner = g.byVrid.get(decoded.value.vrid);
    if (!runner) return this.drop('unknown_vrid', meta.source, g);
    const reason = checkAdvert(runner.config, decoded.value, meta);
    if (reason) return this.drop(reason, meta.source, g, runner.config.vrid);
    runner.receive(decoded.value, meta.source);
  }

  /**
   * Counts every drop; logs at most DROP_LOG_LINES per (reason, peer kind) a minute, then a
   * summary of the suppressed count (keepalived's log_rate_limited_error, bounded in time and
   * memory: spoofed sources cannot grow a per-address set).
   */
  private drop(reason: DropReason, peer: string, g: Group, vrid?: number): void {
    this.metrics.packetDropped(reason);
    if (!this.dropLog.admit(`${reason}|${peerKindOf(g, peer)}`)) return;
    this.log.warn({ peer, reason, ...(vrid !== undefined ? { vrid } : {}) }, 'advert dropped');
  }

  private onLink(l: LinkInfo): void {
    if (this.linkStates.get(l.name) === l.up) return;
    this.linkStates.set(l.name, l.up);
    this.log.info({ iface: l.name, up: l.up }, 'link state changed');
    this.retrack();
  }

  private retrack(): void {
    for (const r of this.runners) this.retrackOne(r);
  }

  private retrackOne(r: VrrpInstanceRunner): void {
    const t = evaluateTracking(r.config, { links: this.linkStates, scripts: this.scripts?.states() ?? new Map() });
    r.handle({ type: 'priority', effectivePriority: t.effectivePriority });
    r.handle({ type: 'fault', faulted: t.faulted });
  }
}
