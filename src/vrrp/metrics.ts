import type { Counter, Registry } from 'prom-client';
import { metricsOn, type MetricDefiner } from '../metrics/index.js';
import { DROP_REASONS, type DropReason, type VrrpStateName } from './types.js';

const STATES: readonly VrrpStateName[] = ['initialize', 'backup', 'master', 'fault'];

/** The lvs_vrrp_* instruments behind intent-named methods (STYLE.md "Metrics"). */
export class VrrpMetrics {
  /** The instruments, defined in `instruments` below. */
  private readonly m: ReturnType<typeof instruments>;
  /** One child per reason: a flood of drops must not hash a labels object per packet. */
  private readonly droppedBy = new Map<DropReason, ReturnType<Counter<'reason'>['labels']>>();

  constructor(registry: Registry) {
    this.m = instruments(metricsOn(registry));
    for (const reason of DROP_REASONS) {
      const child = this.m.dropped.labels({ reason });
      child.inc(0);
      this.droppedBy.set(reason, child);
    }
  }

  /** How many of an instance's VIPs are someone else's on its interface. */
  conflictsAre(group: string, vrid: number, count: number): void {
    this.m.conflicts.set({ group, vrid: String(vrid) }, count);
  }

  /** Sets the 0/1 state set of an instance. */
  stateIs(group: string, vrid: number, current: VrrpStateName): void {
    for (const s of STATES) this.m.state.set({ group, vrid: String(vrid), state: s }, s === current ? 1 : 0);
  }

  /**
   * An instance stopped for good (removed from the configuration): its state series go, so a
   * removed group does not look masterless to an alert.
   */
  instanceRemoved(group: string, vrid: number): void {
    for (const s of STATES) this.m.state.remove({ group, vrid: String(vrid), state: s });
    this.m.conflicts.remove({ group, vrid: String(vrid) });
  }

  transitioned(vrid: number, from: VrrpStateName, to: VrrpStateName): void {
    this.m.transitions.inc({ vrid: String(vrid), from, to });
  }

  advertSent(vrid: number): void {
    this.m.sent.inc({ vrid: String(vrid) });
  }

  advertReceived(vrid: number): void {
    this.m.received.inc({ vrid: String(vrid) });
  }

  packetDropped(reason: DropReason): void {
    const child = this.droppedBy.get(reason);
    if (child) child.inc();
    else this.m.dropped.inc({ reason });
  }

  masterChanged(vrid: number): void {
    this.m.masterChanges.inc({ vrid: String(vrid) });
  }

  priorityIs(vrid: number, priority: number): void {
    this.m.priority.set({ vrid: String(vrid) }, priority);
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
    this.m.errors.inc({ op });
  }
}

/** The instruments, each defined once; their label names type them. */
function instruments({ counter, gauge }: MetricDefiner) {
  return {
    state: gauge('lvs_vrrp_state', 'VRRP state of each instance: 1 for the current state, 0 for the others.', [
      'group',
      'vrid',
      'state',
    ]),
    transitions: counter('lvs_vrrp_transitions_total', 'VRRP state transitions.', ['vrid', 'from', 'to']),
    sent: counter('lvs_vrrp_adverts_sent_total', 'VRRP advertisements sent.', ['vrid']),
    received: counter('lvs_vrrp_adverts_received_total', 'VRRP advertisements received and accepted.', ['vrid']),
    dropped: counter('lvs_vrrp_adverts_dropped_total', 'Received VRRP packets dropped, by reason.', ['reason']),
    masterChanges: counter(
      'lvs_vrrp_master_changes_total',
      'Changes of the master seen by an instance (itself or a peer).',
      ['vrid'],
    ),
    priority: gauge('lvs_vrrp_effective_priority', 'Priority after tracking.', ['vrid']),
    errors: counter(
      'lvs_vrrp_errors_total',
      'Failed VRRP side effects (advert send, VIP add/remove, GARP, notify, track script, accept filter, VIP record).',
      ['op'],
    ),
    conflicts: gauge(
      'lvs_vrrp_vip_conflicts',
      'Configured VIPs found on the interface that this node did not add (left alone), per instance.',
      ['group', 'vrid'],
    ),
  };
}
