import { Counter, Gauge, type Registry } from 'prom-client';
import { DROP_REASONS, type DropReason, type VrrpStateName } from './types.js';

const STATES: readonly VrrpStateName[] = ['initialize', 'backup', 'master', 'fault'];

/** The lvs_vrrp_* instruments behind intent-named methods (STYLE.md "Metrics"). */
export class VrrpMetrics {
  private readonly state: Gauge<'group' | 'vrid' | 'state'>;
  private readonly transitions: Counter<'vrid' | 'from' | 'to'>;
  private readonly sent: Counter<'vrid'>;
  private readonly received: Counter<'vrid'>;
  private readonly dropped: Counter<'reason'>;
  /** One child per reason: a flood of drops must not hash a labels object per packet. */
  private readonly droppedBy = new Map<DropReason, ReturnType<Counter<'reason'>['labels']>>();
  private readonly masterChanges: Counter<'vrid'>;
  private readonly priority: Gauge<'vrid'>;
  private readonly errors: Counter<'op'>;
  private readonly conflicts: Gauge<'group' | 'vrid'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.state = new Gauge({
      name: 'lvs_vrrp_state',
      help: 'VRRP state of each instance: 1 for the current state, 0 for the others.',
      labelNames: ['group', 'vrid', 'state'],
      registers,
    });
    this.transitions = new Counter({
      name: 'lvs_vrrp_transitions_total',
      help: 'VRRP state transitions.',
      labelNames: ['vrid', 'from', 'to'],
      registers,
    });
    this.sent = new Counter({
      name: 'lvs_vrrp_adverts_sent_total',
      help: 'VRRP advertisements sent.',
      labelNames: ['vrid'],
      registers,
    });
    this.received = new Counter({
      name: 'lvs_vrrp_adverts_received_total',
      help: 'VRRP advertisements received and accepted.',
      labelNames: ['vrid'],
      registers,
    });
    this.dropped = new Counter({
      name: 'lvs_vrrp_adverts_dropped_total',
      help: 'Received VRRP packets dropped, by reason.',
      labelNames: ['reason'],
      registers,
    });
    for (const reason of DROP_REASONS) {
      const child = this.dropped.labels({ reason });
      child.inc(0);
      this.droppedBy.set(reason, child);
    }
    this.masterChanges = new Counter({
      name: 'lvs_vrrp_master_changes_total',
      help: 'Changes of the master seen by an instance (itself or a peer).',
      labelNames: ['vrid'],
      registers,
    });
    this.priority = new Gauge({
      name: 'lvs_vrrp_effective_priority',
      help: 'Priority after tracking.',
      labelNames: ['vrid'],
      registers,
    });
    this.errors = new Counter({
      name: 'lvs_vrrp_errors_total',
      help: 'Failed VRRP side effects (advert send, VIP add/remove, GARP, notify, track script, accept filter, VIP record).',
      labelNames: ['op'],
      registers,
    });
    this.conflicts = new Gauge({
      name: 'lvs_vrrp_vip_conflicts',
      help: 'Configured VIPs found on the interface that this node did not add (left alone), per instance.',
      labelNames: ['group', 'vrid'],
      registers,
    });
  }

  /** How many of an instance's VIPs are someone else's on its interface. */
  conflictsAre(group: string, vrid: number, count: number): void {
    this.conflicts.set({ group, vrid: String(vrid) }, count);
  }

  /** Sets the 0/1 state set of an instance. */
  stateIs(group: string, vrid: number, current: VrrpStateName): void {
    for (const s of STATES) this.state.set({ group, vrid: String(vrid), state: s }, s === current ? 1 : 0);
  }

  transitioned(vrid: number, from: VrrpStateName, to: VrrpStateName): void {
    this.transitions.inc({ vrid: String(vrid), from, to });
  }

  advertSent(vrid: number): void {
    this.sent.inc({ vrid: String(vrid) });
  }

  advertReceived(vrid: number): void {
    this.received.inc({ vrid: String(vrid) });
  }

  packetDropped(reason: DropReason): void {
    const child = this.droppedBy.get(reason);
    if (child) child.inc();
    else this.dropped.inc({ reason });
  }

  masterChanged(vrid: number): void {
    this.masterChanges.inc({ vrid: String(vrid) });
  }

  priorityIs(vrid: number, priority: number): void {
    this.priority.set({ vrid: String(vrid) }, priority);
  }

  failed(
    op:
      | 'send'
      | 'receive'
      | 'add-vip'
      | 'remove-vip'
      | 'announce'
      | 'notify'
      | 'script'
      | 'cleanup'
      | 'accept-filter'
      | 'record',
  ): void {
    this.errors.inc({ op });
  }
}
