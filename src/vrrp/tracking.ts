/**
 * Pure tracking: interface link states and script results into an effective priority and a
 * fault flag, with keepalived's weight semantics (vrrp_track.c): a positive weight is added
 * while the object is good, a negative one while it is bad, and weight 0 means FAULT while bad.
 * The instance's own interface going down is always a FAULT.
 */
import { VRRP_PRIO_OWNER } from './constants.js';
import type { TrackScript, VrrpInstanceConfig } from './types.js';

/** Result of tracking. */
export interface TrackingResult {
  readonly effectivePriority: number;
  readonly faulted: boolean;
  /** Names of the tracked objects that fault the instance, for logs. */
  readonly faultedBy: readonly string[];
}

/** What is known now: link up/down by name, script good/bad by name (undefined: not yet known). */
export interface TrackedStates {
  readonly links: ReadonlyMap<string, boolean>;
  readonly scripts: ReadonlyMap<string, boolean>;
}

function apply(weight: number, good: boolean): { delta: number; fault: boolean } {
  if (weight === 0) return { delta: 0, fault: !good };
  if (weight > 0) return { delta: good ? weight : 0, fault: false };
  return { delta: good ? 0 : weight, fault: false };
}

/** Effective priority and fault of an instance; the owner's 255 is never changed. */
export function evaluateTracking(cfg: VrrpInstanceConfig, states: TrackedStates): TrackingResult {
  let delta = 0;
  const faultedBy: string[] = [];
  if (states.links.get(cfg.interface) === false) faultedBy.push(cfg.interface);
  // An interface is good while up, a script while it passes; one not yet known counts for nothing.
  const tracked = [
    ...cfg.trackInterfaces.map((t) => ({ t, good: states.links.get(t.name) })),
    ...cfg.trackScripts.map((t) => ({ t, good: states.scripts.get(t.name) })),
  ];
  for (const { t, good } of tracked) {
    if (good === undefined) continue;
    const r = apply(t.weight, good);
    delta += r.delta;
    if (r.fault) faultedBy.push(t.name);
  }
  const effectivePriority =
    cfg.priority === VRRP_PRIO_OWNER
      ? VRRP_PRIO_OWNER
      : Math.min(VRRP_PRIO_OWNER - 1, Math.max(1, cfg.priority + delta));
  return { effectivePriority, faulted: faultedBy.length > 0, faultedBy };
}

/** Rise/fall counting of a script's results (keepalived's vrrp_script rise / fall). */
export interface ScriptState {
  /** undefined until the first result decides. */
  readonly good: boolean | undefined;
  readonly streak: number;
}

/** The initial script state: keepalived starts a script as failed until it rises (init_fail). */
export function initialScriptState(): ScriptState {
  return { good: undefined, streak: 0 };
}

/** Counts one result; the state flips after `rise` successes or `fall` failures in a row. */
export function recordScriptResult(script: TrackScript, s: ScriptState, success: boolean): ScriptState {
  if (s.good === undefined) {
    // The first result decides at once, so a start does not wait rise x interval.
    return { good: success, streak: 0 };
  }
  if (success === s.good) return { good: s.good, streak: 0 };
  const streak = s.streak + 1;
  const needed = success ? script.rise : script.fall;
  return streak >= needed ? { good: success, streak: 0 } : { good: s.good, streak };
}
