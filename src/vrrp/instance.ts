/**
 * The shell of one VRRP instance: it feeds events to the pure machine and performs the
 * actions it returns through the ports (transport, addresses, announcer, commands, clock).
 * Address changes and announcements run in order on one promise chain, so a release never
 * overtakes the takeover before it.
 */
import type { CancelTimer, Clock, Logger } from '../core/index.js';
import { assertNever } from '../core/index.js';
import type { AddressSpec, Addresses, AnnounceLink, ProcessRunner, VipFilter } from '../net/index.js';
import { encodeAdvert } from './codec.js';
import { VRRP_MCAST_ADDR4, VRRP_MCAST_ADDR6 } from './constants.js';
import type { VrrpEventStream } from './events.js';
import {
  initialState,
  step,
  type MachineAction,
  type MachineEvent,
  type MachineState,
  type TimerName,
  type TransitionReason,
} from './machine.js';
import type { VrrpMetrics } from './metrics.js';
import type { AdvertTransport } from './transport.js';
import type { Advert, VrrpInstanceConfig, VrrpStateName } from './types.js';
import type { OwnedVip } from './vip-record.js';

/** Sends link-layer announcements (the Announcer of src/net). */
export interface AnnouncePort {
  announce(link: AnnounceLink, addresses: readonly string[], repeat: number): number;
}

/** Everything an instance uses. */
export interface InstanceDeps {
  readonly config: VrrpInstanceConfig;
  readonly link: AnnounceLink & { readonly name: string };
  /** Our advert source address (the tie-break address, RFC 5798 §6.4.3). */
  readonly primaryAddress: string;
  /** IPv4 label marking the VIPs we add, if it fits. */
  readonly label: string | undefined;
  /** The record of the VIPs this node added: only those are ever removed. */
  readonly owned: VipOwnership;
  /**
   * Configured VIPs found on the interface at start that are not ours (the node's own
   * address, an administrator's): never added, removed, blocked or announced by this instance.
   */
  readonly foreign: ReadonlySet<string>;
  /** A VIP was found to be someone else's (at start, or on an add that found it present). */
  readonly onForeign: (address: string) => void;
  readonly transport: AdvertTransport;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: VrrpMetrics;
  readonly events: VrrpEventStream;
  readonly addresses: Addresses;
  /** Enforces Accept_Mode = False (RFC 5798 §6.1) for a non-owner master. */
  readonly vipFilter: VipFilter;
  readonly announcer: AnnouncePort;
  readonly commands: ProcessRunner;
}

/** What an instance needs of the VIP record (vip-record.ts `OwnedVips`). */
export interface VipOwnership {
  has(iface: string, address: string): boolean;
  claim(v: OwnedVip): Promise<void>;
  forget(iface: string, address: string): Promise<void>;
}

/** A snapshot for status. */
export interface InstanceStatus {
  readonly name: string;
  readonly vrid: number;
  readonly state: VrrpStateName;
  readonly effectivePriority: number;
  readonly master: string | undefined;
}

const NOTIFY_TIMEOUT_MS = 30_000;

/** One running instance. */
export class VrrpInstanceRunner {
  private state: MachineState;
  private readonly timers = new Map<TimerName, CancelTimer>();
  private chain: Promise<void> = Promise.resolve();
  private readonly sends = new Set<Promise<void>>();
  private onStopped: (() => void) | undefined;
  private readonly foreign: Set<string>;

  constructor(private readonly d: InstanceDeps) {
    this.foreign = new Set(d.foreign);
    const c = d.config;
    this.state = initialState({
      version: c.version,
      priority: c.priority,
      advertIntervalMs: c.advertIntervalMs,
      preempt: c.preempt,
      preemptDelayMs: c.preemptDelayMs,
      garp: c.garp,
      primaryAddress: d.primaryAddress,
    });
    d.metrics.stateIs(c.name, c.vrid, 'initialize');
    d.metrics.priorityIs(c.vrid, c.priority);
  }

  get config(): VrrpInstanceConfig {
    return this.d.config;
  }

  status(): InstanceStatus {
    return {
      name: this.d.config.name,
      vrid: this.d.config.vrid,
      state: this.state.name,
      effectivePriority: this.state.effectivePriority,
      master: this.state.master,
    };
  }

  /** Feeds one event to the machine and performs the resulting actions. */
  handle(event: MachineEvent, now = this.d.clock.now()): void {
    const r = step(this.state, event, now);
    const before = this.state;
    this.state = r.state;
    if (before.effectivePriority !== r.state.effectivePriority) this.priorityChanged(r.state.effectivePriority);
    for (const a of r.actions) this.perform(a);
    if (r.state.stopped) this.onStopped?.();
  }

  /** An accepted advert from `source`. */
  receive(advert: Advert, source: string): void {
    this.d.metrics.advertReceived(this.d.config.vrid);
    this.d.log.trace({ peer: source, priority: advert.priority }, 'advert received');
    this.handle({ type: 'advert', priority: advert.priority, advertIntervalMs: advert.advertIntervalMs, source });
  }

  /**
   * Graceful stop: a master sends priority 0 and keeps its VIPs (and keeps receiving) until it
   * has seen the new master or its bound runs out (machine.ts `shutdown`); resolves once the
   * VIPs are released.
   */
  async shutdown(): Promise<void> {
    const stopped = new Promise<void>((done) => (this.onStopped = done));
    this.handle({ type: 'shutdown' });
    if (this.state.releasing)
      this.d.log.info({ boundMs: Math.round(this.releaseBoundMs()) }, 'handing over before release');
    await stopped;
    for (const cancel of this.timers.values()) cancel();
    this.timers.clear();
    await Promise.allSettled([...this.sends]);
    await this.chain;
  }

  private releaseBoundMs(): number {
    return (this.state.timers.release ?? this.d.clock.now()) - this.d.clock.now();
  }

  /** Waits for queued address changes (tests and shutdown). */
  settled(): Promise<void> {
    return this.chain;
  }

  private perform(a: MachineAction): void {
    switch (a.type) {
      case 'send-advert':
        return this.sendAdvert(a.priority);
      case 'add-vips':
        return this.queueVips('add');
      case 'remove-vips':
        return this.queueVips('remove');
      case 'announce':
        return this.queueAnnounce(a.repeat);
      case 'set-timer':
        return this.arm(a.timer, a.at);
      case 'clear-timer':
        this.timers.get(a.timer)?.();
        this.timers.delete(a.timer);
        return;
      case 'transition':
        return this.transitioned(a.from, a.to, a.reason);
      case 'master-changed':
        this.d.metrics.masterChanged(this.d.config.vrid);
        this.d.events.emit({
          type: 'master-changed',
          instance: this.d.config.name,
          vrid: this.d.config.vrid,
          master: a.master,
          at: this.d.clock.now(),
        });
        return;
      default:
        return assertNever(a, 'machine action');
    }
  }

  private arm(timer: TimerName, at: number): void {
    this.timers.get(timer)?.();
    const delay = Math.max(0, at - this.d.clock.now());
    this.timers.set(
      timer,
      this.d.clock.setTimer(delay, () => {
        this.timers.delete(timer);
        // A real timer may fire a fraction of a millisecond early: the deadline is the time.
        this.handle({ type: 'timer', timer }, Math.max(this.d.clock.now(), at));
      }),
    );
  }

  private destinations(): readonly string[] {
    const c = this.d.config;
    if (c.unicastPeers.length > 0) return c.unicastPeers;
    return [c.family === 4 ? VRRP_MCAST_ADDR4 : VRRP_MCAST_ADDR6];
  }

  private sendAdvert(priority: number): void {
    const c = this.d.config;
    for (const destination of this.destinations()) {
      const payload = encodeAdvert(
        {
          version: c.version,
          vrid: c.vrid,
          priority,
          advertIntervalMs: c.advertIntervalMs,
          addresses: c.virtualIPs.map((v) => v.address),
          auth: c.auth,
        },
        { family: c.family, source: this.d.primaryAddress, destination },
      );
      const p = this.d.transport.send(payload, destination).then(
        () => this.d.metrics.advertSent(c.vrid),
        (err: unknown) => {
          this.d.metrics.failed('send');
          this.d.log.debug({ err, peer: destination }, 'advert send failed');
        },
      );
      this.sends.add(p);
      void p.finally(() => this.sends.delete(p));
    }
  }

  /** VIPs that are someone else's on this interface, in configuration order. */
  foreignVips(): string[] {
    return this.d.config.virtualIPs.map((v) => v.address).filter((a) => this.foreign.has(a));
  }

  /** The VIPs this instance manages: the configured ones minus those found to be someone else's at start. */
  private managed(): string[] {
    return this.d.config.virtualIPs.map((v) => v.address).filter((a) => !this.d.foreign.has(a));
  }

  private specs(): AddressSpec[] {
    return this.d.config.virtualIPs
      .filter((v) => !this.d.foreign.has(v.address))
      .map((v) => ({
        ifindex: this.d.link.index,
        address: v.address,
        prefixLength: v.prefixLength,
        ...(this.d.label !== undefined ? { label: this.d.label } : {}),
      }));
  }

  private queueVips(op: 'add' | 'remove'): void {
    const specs = this.specs();
    const c = this.d.config;
    // RFC 5798 §6.1: without Accept_Mode a master that is not the owner must not accept
    // packets sent to the VIPs (keepalived's no_accept); the owner always accepts them.
    const filtered = !c.acceptMode && c.priority !== 255;
    const vips = this.managed();
    this.chain = this.chain.then(async () => {
      if (filtered) {
        try {
          if (op === 'add') await this.d.vipFilter.block(vips);
          else await this.d.vipFilter.unblock(vips);
        } catch (err) {
          this.d.metrics.failed('accept-filter');
          this.d.log.error({ err, op }, 'accept mode filter change failed');
        }
      }
      const iface = this.d.link.name;
      for (const spec of specs) {
        try {
          if (op === 'add') {
            if (await this.d.addresses.add(spec)) {
              await this.d.owned.claim({ iface, address: spec.address, prefixLength: spec.prefixLength });
            } else if (!this.d.owned.has(iface, spec.address)) {
              this.markForeign(spec.address);
            }
          } else if (this.d.owned.has(iface, spec.address)) {
            // Only what the record says we added is removed (with our label, the kernel checks too).
            await this.d.addresses.remove(spec);
            await this.d.owned.forget(iface, spec.address);
            // A neighbour entry this node learnt for the VIP before it held it would now route
            // VIP traffic to whichever MAC that was; resolving afresh finds the new master.
            await this.d.addresses.forgetNeighbour(spec);
          }
        } catch (err) {
          this.d.metrics.failed(op === 'add' ? 'add-vip' : 'remove-vip');
          this.d.log.error({ err, vip: spec.address, op }, 'virtual address change failed');
        }
      }
    });
  }

  private markForeign(address: string): void {
    if (this.foreign.has(address)) return;
    this.foreign.add(address);
    this.d.log.warn({ vip: address }, 'virtual address already present and not ours: left alone');
    this.d.onForeign(address);
  }

  private queueAnnounce(repeat: number): void {
    const vips = this.managed();
    if (repeat <= 0 || vips.length === 0) return;
    this.chain = this.chain.then(() => {
      if (this.state.name !== 'master') return;
      try {
        this.d.announcer.announce(this.d.link, vips, repeat);
      } catch (err) {
        this.d.metrics.failed('announce');
        this.d.log.warn({ err }, 'gratuitous announcement failed');
      }
    });
  }

  private priorityChanged(priority: number): void {
    const c = this.d.config;
    this.d.metrics.priorityIs(c.vrid, priority);
    this.d.log.info({ priority }, 'effective priority changed');
    this.d.events.emit({ type: 'priority', instance: c.name, vrid: c.vrid, priority, at: this.d.clock.now() });
  }

  private transitioned(from: VrrpStateName, to: VrrpStateName, reason: TransitionReason): void {
    const c = this.d.config;
    const priority = this.state.effectivePriority;
    this.d.log.info({ from, to, reason, priority }, 'vrrp state changed');
    this.d.metrics.transitioned(c.vrid, from, to);
    this.d.metrics.stateIs(c.name, c.vrid, to);
    this.d.events.emit({
      type: 'transition',
      instance: c.name,
      vrid: c.vrid,
      from,
      to,
      reason,
      priority,
      at: this.d.clock.now(),
    });
    this.notify(to, priority);
  }

  /** keepalived's notify_master / notify_backup / notify_fault / notify_stop and notify. */
  private notify(to: VrrpStateName, priority: number): void {
    const n = this.d.config.notify;
    const specific = to === 'master' ? n.master : to === 'backup' ? n.backup : to === 'fault' ? n.fault : n.stop;
    const state = to === 'initialize' ? 'STOP' : to.toUpperCase();
    const runs: (readonly string[])[] = [];
    if (specific) runs.push(specific);
    if (n.any) runs.push([...n.any, 'INSTANCE', this.d.config.name, state, String(priority)]);
    for (const argv of runs) {
      // Hooks must not hold up the protocol: run in the background, count failures.
      void this.d.commands.run({ kind: 'notify', argv, timeoutMs: NOTIFY_TIMEOUT_MS }).then((r) => {
        if (r.kind === 'exited' && r.exitCode === 0) return;
        this.d.metrics.failed('notify');
        this.d.log.warn(
          {
            op: argv[0],
            outcome: r.kind,
            ...(r.kind === 'exited' ? { exitCode: r.exitCode } : {}),
            ...(r.kind === 'refused' ? { reason: r.refusal.reason } : {}),
            ...(r.kind === 'failed' ? { errno: r.errno } : {}),
          },
          'notify hook failed',
        );
      });
    }
  }
}
