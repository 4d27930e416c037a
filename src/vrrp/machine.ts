/**
 * The RFC 5798 §6.4 state machine (Initialize, Backup, Master) plus keepalived's Fault, as a
 * pure function: `step(state, event, now) → { state, actions }`. Deadlines live in the state;
 * the shell (speaker.ts) arms one timer per `set-timer` action and feeds `timer` events back.
 * Where the RFC leaves a choice, keepalived 2.2.7's vrrp.c is followed and cited.
 */
import { compareIp } from '../net/ip-codec.js';
import { assertNever } from '../core/index.js';
import { VRRP_HANDOVER_MARGIN_MS, VRRP_PRIO_OWNER, VRRP_PRIO_STOP } from './constants.js';
import { masterDownIntervalMs, skewTimeMs } from './timers.js';
import type { GarpConfig, VrrpStateName, VrrpVersion } from './types.js';

/** What the machine needs from the instance configuration. */
export interface MachineConfig {
  readonly version: VrrpVersion;
  /** Configured priority (1..255). */
  readonly priority: number;
  readonly advertIntervalMs: number;
  readonly preempt: boolean;
  readonly preemptDelayMs: number;
  readonly garp: GarpConfig;
  /** Our advert source address, compared with a peer's on equal priority (RFC 5798 §6.4.3). */
  readonly primaryAddress: string;
}

/** The timers of an instance. */
export type TimerName = 'master-down' | 'advert' | 'garp-delay' | 'garp-refresh' | 'release';

/** Why a transition happened; the `reason` of its log line and event. */
export type TransitionReason =
  | 'startup'
  | 'address-owner'
  | 'master-down'
  | 'priority-zero'
  | 'higher-priority'
  | 'equal-priority-higher-address'
  | 'fault'
  | 'fault-cleared'
  | 'shutdown'
  | 'handed-over'
  | 'handover-timeout';

/** Complete machine state; plain data. */
export interface MachineState {
  readonly config: MachineConfig;
  readonly name: VrrpStateName;
  /** Priority after tracking; equals config.priority when nothing is tracked. */
  readonly effectivePriority: number;
  /** RFC 5798 §6.1 Master_Adver_Interval: learnt from the master in v3 backups. */
  readonly masterAdverIntervalMs: number;
  readonly faulted: boolean;
  readonly stopped: boolean;
  /**
   * A stopping master that sent priority 0 and still holds its VIPs until the new master is
   * seen (or the `release` timer runs out); it serves traffic but sends no more adverts.
   */
  readonly releasing: boolean;
  /** keepalived's preempt_time: adverts of a lower priority master are accepted until then. */
  readonly preemptAt?: number;
  /** Current master as far as we know: 'self', a peer address, or undefined. */
  readonly master?: string;
  /** Why the master-down timer was last armed, to name the takeover. */
  readonly downReason: 'master-down' | 'priority-zero';
  /** When a master last answered an advert at once (priority 0, or a lower priority). */
  readonly answeredAt?: number;
  readonly timers: Readonly<Partial<Record<TimerName, number>>>;
}

/** Inputs of the machine. */
export type MachineEvent =
  | { readonly type: 'startup' }
  | { readonly type: 'advert'; readonly priority: number; readonly advertIntervalMs: number; readonly source: string }
  | { readonly type: 'timer'; readonly timer: TimerName }
  | { readonly type: 'priority'; readonly effectivePriority: number }
  | { readonly type: 'fault'; readonly faulted: boolean }
  | { readonly type: 'shutdown' };

/** Effects for the shell to perform, in order. */
export type MachineAction =
  | { readonly type: 'send-advert'; readonly priority: number }
  | { readonly type: 'add-vips' }
  | { readonly type: 'remove-vips' }
  | { readonly type: 'announce'; readonly repeat: number }
  | { readonly type: 'set-timer'; readonly timer: TimerName; readonly at: number }
  | { readonly type: 'clear-timer'; readonly timer: TimerName }
  | {
      readonly type: 'transition';
      readonly from: VrrpStateName;
      readonly to: VrrpStateName;
      readonly reason: TransitionReason;
    }
  | { readonly type: 'master-changed'; readonly master: string | undefined };

/** Result of one step. */
export interface StepResult {
  readonly state: MachineState;
  readonly actions: readonly MachineAction[];
}

const TIMER_NAMES: readonly TimerName[] = ['master-down', 'advert', 'garp-delay', 'garp-refresh', 'release'];

/** The state before `startup`. */
export function initialState(config: MachineConfig): MachineState {
  return {
    config,
    name: 'initialize',
    effectivePriority: config.priority,
    masterAdverIntervalMs: config.advertIntervalMs,
    faulted: false,
    stopped: false,
    releasing: false,
    downReason: 'master-down',
    timers: {},
  };
}

/** Advances the machine by one event at time `now` (milliseconds, monotonic). */
export function step(state: MachineState, event: MachineEvent, now: number): StepResult {
  const out: MachineAction[] = [];
  const next = dispatch(state, event, now, out);
  return { state: next, actions: [...out, ...timerActions(state, next)] };
}

/** A received advertisement, as the state handlers see it. */
type AdvertEvent = Extract<MachineEvent, { type: 'advert' }>;

function dispatch(s: MachineState, e: MachineEvent, now: number, out: MachineAction[]): MachineState {
  if (s.stopped) return s;
  if (s.releasing) return whileReleasing(s, e, now, out);
  switch (e.type) {
    case 'startup':
      return s.name === 'initialize' ? start(s, now, out) : s;
    case 'advert':
      if (s.name === 'backup') return backupAdvert(s, e, now, out);
      if (s.name === 'master') return masterAdvert(s, e, now, out);
      return s;
    case 'timer':
      return onTimer(s, e.timer, now, out);
    case 'priority':
      return { ...s, effectivePriority: s.config.priority === VRRP_PRIO_OWNER ? VRRP_PRIO_OWNER : e.effectivePriority };
    case 'fault':
      return onFault(s, e.faulted, now, out);
    case 'shutdown':
      return shutdown(s, now, out);
    default:
      return assertNever(e, 'machine event');
  }
}

/** RFC 5798 §6.4.1: the owner becomes master at once, everyone else a backup. */
function start(s: MachineState, now: number, out: MachineAction[]): MachineState {
  if (s.faulted) return transition({ ...s, timers: {} }, 'fault', 'fault', out);
  if (s.effectivePriority === VRRP_PRIO_OWNER) return becomeMaster(s, now, 'address-owner', out);
  return becomeBackup(s, now, 'startup', s.config.advertIntervalMs, out);
}

function transition(s: MachineState, to: VrrpStateName, reason: TransitionReason, out: MachineAction[]): MachineState {
  out.push({ type: 'transition', from: s.name, to, reason });
  return { ...s, name: to };
}

function setMaster(s: MachineState, master: string | undefined, out: MachineAction[]): MachineState {
  if (s.master === master) return s;
  out.push({ type: 'master-changed', master });
  return master === undefined ? withoutMaster(s) : { ...s, master };
}

function withoutMaster(s: MachineState): MachineState {
  const { master: _master, ...rest } = s;
  return rest;
}

function withoutPreempt(s: MachineState): MachineState {
  const { preemptAt: _p, ...rest } = s;
  return rest;
}

/**
 * keepalived's vrrp_state_goto_master + vrrp_state_master_tx: advert first (so the old master
 * drops its VIPs before our GARPs), then the VIPs, then a GARP burst; a second burst after
 * garp_master_delay, and periodic refreshes.
 */
function becomeMaster(s: MachineState, now: number, reason: TransitionReason, out: MachineAction[]): MachineState {
  let n = transition(s, 'master', reason, out);
  out.push({ type: 'send-advert', priority: n.effectivePriority }, { type: 'add-vips' });
  out.push({ type: 'announce', repeat: n.config.garp.masterRepeat });
  const timers: Partial<Record<TimerName, number>> = { advert: now + n.config.advertIntervalMs };
  if (n.config.garp.masterDelayMs > 0) timers['garp-delay'] = now + n.config.garp.masterDelayMs;
  if (n.config.garp.masterRefreshMs > 0) timers['garp-refresh'] = now + n.config.garp.masterRefreshMs;
  // RFC 5798 §6.4.3 / keepalived vrrp_state_become_master: a master uses its own interval.
  n = withoutPreempt({ ...n, masterAdverIntervalMs: n.config.advertIntervalMs, timers });
  return setMaster(n, 'self', out);
}

function downInterval(s: MachineState, masterAdverIntervalMs: number): number {
  return masterDownIntervalMs(s.config.version, s.effectivePriority, masterAdverIntervalMs);
}

/** Enters Backup with a full Master_Down_Interval (RFC 5798 §6.4.1, §6.4.3). */
function becomeBackup(
  s: MachineState,
  now: number,
  reason: TransitionReason,
  masterAdverIntervalMs: number,
  out: MachineAction[],
): MachineState {
  const n = transition(s, 'backup', reason, out);
  return withoutPreempt({
    ...n,
    masterAdverIntervalMs,
    downReason: 'master-down',
    timers: { 'master-down': now + downInterval(n, masterAdverIntervalMs) },
  });
}

/** RFC 5798 §6.4.2, with keepalived's vrrp_state_backup for preempt_delay. */
function backupAdvert(s: MachineState, e: AdvertEvent, now: number, out: MachineAction[]): MachineState {
  if (e.priority === VRRP_PRIO_STOP) {
    // The master is leaving: take over after Skew_Time only.
    const at = now + skewTimeMs(s.config.version, s.effectivePriority, s.masterAdverIntervalMs);
    return { ...s, downReason: 'priority-zero', timers: { ...s.timers, 'master-down': at } };
  }
  const delaying = s.config.preemptDelayMs > 0 && (s.preemptAt === undefined || s.preemptAt > now);
  if (!s.config.preempt || e.priority >= s.effectivePriority || delaying) {
    const mai = s.config.version === 3 ? e.advertIntervalMs : s.masterAdverIntervalMs;
    let n: MachineState = {
      ...s,
      masterAdverIntervalMs: mai,
      downReason: 'master-down',
      timers: { ...s.timers, 'master-down': now + downInterval(s, mai) },
    };
    if (s.config.preemptDelayMs > 0) {
      if (e.priority >= s.effectivePriority) n = withoutPreempt(n);
      else if (n.preemptAt === undefined) n = { ...n, preemptAt: now + s.config.preemptDelayMs };
    }
    return setMaster(n, e.source, out);
  }
  // Preempt: a lower priority master's adverts are ignored, so its down timer runs out.
  return s;
}

/**
 * A master answers adverts at once at most every tenth of its Advertisement_Interval: enough
 * for the RFC's purpose (a leaving master or a stray lower priority one hears from us within
 * 1/10 of an interval), and it turns a flood of spoofed adverts into at most 10 sends per
 * interval instead of one per packet (a 1:1 reflector onto the segment).
 */
function mayAnswer(s: MachineState, now: number): boolean {
  return s.answeredAt === undefined || now - s.answeredAt >= s.config.advertIntervalMs / 10;
}

/** RFC 5798 §6.4.3, with keepalived's vrrp_state_master_rx for the owner conflict and re-election. */
function masterAdvert(s: MachineState, e: AdvertEvent, now: number, out: MachineAction[]): MachineState {
  if (e.priority === VRRP_PRIO_STOP) {
    // RFC 5798 §6.4.3: advert now, Adver_Timer reset. A flood of them is answered within the
    // answer budget only; the rest change nothing, so the periodic advert still goes out.
    if (!mayAnswer(s, now)) return s;
    out.push({ type: 'send-advert', priority: s.effectivePriority });
    return { ...s, answeredAt: now, timers: { ...s.timers, advert: now + s.config.advertIntervalMs } };
  }
  let n = s;
  const cmp = compareIp(e.source, s.config.primaryAddress);
  if (e.priority === VRRP_PRIO_OWNER && s.effectivePriority === VRRP_PRIO_OWNER && cmp !== 0) {
    // Two address owners: keepalived reports a configuration error and steps down to 254.
    n = { ...n, effectivePriority: VRRP_PRIO_OWNER - 1 };
  }
  const higher = e.priority > n.effectivePriority || (e.priority === n.effectivePriority && cmp > 0);
  if (!higher) {
    // keepalived "forcing new election": answer a lower priority master at once (within the
    // answer budget: spoofed lower priority adverts must not make us send one per packet).
    if (!mayAnswer(n, now)) return n;
    out.push({ type: 'send-advert', priority: n.effectivePriority });
    return { ...n, answeredAt: now };
  }
  const reason = e.priority > n.effectivePriority ? 'higher-priority' : 'equal-priority-higher-address';
  out.push({ type: 'remove-vips' });
  const mai = s.config.version === 3 ? e.advertIntervalMs : s.config.advertIntervalMs;
  return setMaster(becomeBackup(n, now, reason, mai, out), e.source, out);
}

function onTimer(s: MachineState, timer: TimerName, now: number, out: MachineAction[]): MachineState {
  const at = s.timers[timer];
  if (at === undefined || at > now) return s; // stale or cancelled
  switch (timer) {
    case 'master-down':
      return s.name === 'backup' ? becomeMaster(s, now, s.downReason, out) : s;
    case 'advert':
      if (s.name !== 'master') return s;
      out.push({ type: 'send-advert', priority: s.effectivePriority });
      return { ...s, timers: { ...s.timers, advert: now + s.config.advertIntervalMs } };
    case 'garp-delay': {
      const { 'garp-delay': _d, ...timers } = s.timers;
      if (s.name === 'master') out.push({ type: 'announce', repeat: s.config.garp.masterRepeat });
      return { ...s, timers };
    }
    case 'release':
      return s; // only armed while releasing
    case 'garp-refresh':
      if (s.name !== 'master') return s;
      out.push({ type: 'announce', repeat: s.config.garp.masterRefreshRepeat });
      return { ...s, timers: { ...s.timers, 'garp-refresh': now + s.config.garp.masterRefreshMs } };
    default:
      return assertNever(timer, 'timer');
  }
}

/** keepalived's FAULT: a master announces priority 0 and releases its VIPs; no timers run. */
function onFault(s: MachineState, faulted: boolean, now: number, out: MachineAction[]): MachineState {
  if (s.faulted === faulted) return s;
  const n = { ...s, faulted };
  if (s.name === 'initialize') return n;
  if (faulted) {
    if (s.name === 'master') out.push({ type: 'send-advert', priority: VRRP_PRIO_STOP }, { type: 'remove-vips' });
    const f = transition(withoutPreempt({ ...n, timers: {} }), 'fault', 'fault', out);
    return setMaster(f, undefined, out);
  }
  if (s.name !== 'fault') return n;
  if (n.effectivePriority === VRRP_PRIO_OWNER) return becomeMaster(n, now, 'fault-cleared', out);
  return becomeBackup(n, now, 'fault-cleared', s.config.advertIntervalMs, out);
}

/**
 * Graceful stop. A backup (or faulted, or initialising) instance stops at once. A master sends
 * priority 0 so a backup takes over after Skew_Time (RFC 5798 §6.4.3), but, unlike the RFC and
 * keepalived, keeps its VIPs and stays silent until it sees the new master's advert: during
 * Skew_Time the VIPs would otherwise be nowhere, so every new connection waits a SYN
 * retransmission, and a forwarding director would route VIP traffic on a stale neighbour entry
 * towards the other director and back. The `release` timer bounds the wait when no backup
 * answers: a backup declares us down after at most Master_Down_Interval at priority 1.
 */
function shutdown(s: MachineState, now: number, out: MachineAction[]): MachineState {
  if (s.name === 'master') {
    out.push({ type: 'send-advert', priority: VRRP_PRIO_STOP });
    const boundMs = masterDownIntervalMs(s.config.version, 1, s.config.advertIntervalMs) + VRRP_HANDOVER_MARGIN_MS;
    return { ...withoutPreempt(s), releasing: true, timers: { release: now + boundMs } };
  }
  const n = s.name === 'initialize' ? s : transition(s, 'initialize', 'shutdown', out);
  return { ...withoutPreempt(n), stopped: true, timers: {} };
}

/**
 * A releasing master: an advert above priority 0 from another router is the new master, which
 * sends its gratuitous ARPs right after it; the VIPs go VRRP_HANDOVER_MARGIN_MS later. A fault
 * (the link is gone) releases at once; nothing else changes anything.
 */
function whileReleasing(s: MachineState, e: MachineEvent, now: number, out: MachineAction[]): MachineState {
  switch (e.type) {
    case 'advert': {
      if (e.priority === VRRP_PRIO_STOP) return s;
      const at = Math.min(s.timers.release ?? Infinity, now + VRRP_HANDOVER_MARGIN_MS);
      return setMaster({ ...s, timers: { release: at } }, e.source, out);
    }
    case 'timer': {
      const at = s.timers.release;
      if (e.timer !== 'release' || at === undefined || at > now) return s;
      return release(s, s.master === undefined || s.master === 'self' ? 'handover-timeout' : 'handed-over', out);
    }
    case 'fault':
      return e.faulted ? release({ ...s, faulted: true }, 'fault', out) : s;
    case 'priority':
      return { ...s, effectivePriority: s.config.priority === VRRP_PRIO_OWNER ? VRRP_PRIO_OWNER : e.effectivePriority };
    case 'startup':
    case 'shutdown':
      return s;
    default:
      return assertNever(e, 'machine event');
  }
}

function release(s: MachineState, reason: TransitionReason, out: MachineAction[]): MachineState {
  out.push({ type: 'remove-vips' });
  const n = transition(s, 'initialize', reason, out);
  return { ...n, releasing: false, stopped: true, timers: {} };
}

/** set-timer / clear-timer for every deadline that changed. */
function timerActions(before: MachineState, after: MachineState): MachineAction[] {
  const acts: MachineAction[] = [];
  for (const t of TIMER_NAMES) {
    const a = before.timers[t];
    const b = after.timers[t];
    if (a === b) continue;
    acts.push(b === undefined ? { type: 'clear-timer', timer: t } : { type: 'set-timer', timer: t, at: b });
  }
  return acts;
}
