/**
 * Runs track scripts (keepalived's vrrp_script): each every `intervalMs`, killed after
 * `timeoutMs` (a timeout is a failure), with rise/fall counting from tracking.ts. Scripts are
 * keyed by name, so instances sharing one run it once.
 */
import type { CancelTimer, Clock, Logger } from '../core/index.js';
import type { ProcessRunner } from '../net/index.js';
import { initialScriptState, recordScriptResult, type ScriptState } from './tracking.js';
import type { TrackScript } from './types.js';

/** Dependencies of the tracker. */
export interface ScriptTrackerDeps {
  readonly scripts: readonly TrackScript[];
  readonly clock: Clock;
  readonly commands: ProcessRunner;
  readonly log: Logger;
  /** Called when a script's good/bad state changes. */
  readonly onChange: () => void;
  readonly onError: () => void;
}

/** Periodic script runner. */
export class ScriptTracker {
  private readonly scripts = new Map<string, TrackScript>();
  private readonly current = new Map<string, ScriptState>();
  private readonly timers = new Map<string, CancelTimer>();
  private running = false;

  constructor(private readonly d: ScriptTrackerDeps) {
    for (const s of d.scripts) this.scripts.set(s.name, s);
  }

  /** good/bad of every script that has decided. */
  states(): Map<string, boolean> {
    const out = new Map<string, boolean>();
    for (const [name, s] of this.current) if (s.good !== undefined) out.set(name, s.good);
    return out;
  }

  start(): void {
    this.running = true;
    for (const s of this.scripts.values()) {
      this.current.set(s.name, initialScriptState());
      this.runOnce(s);
    }
  }

  stop(): void {
    this.running = false;
    for (const c of this.timers.values()) c();
    this.timers.clear();
  }

  private runOnce(s: TrackScript): void {
    if (!this.running) return;
    void this.d.commands.run({ kind: 'track-script', argv: s.command, timeoutMs: s.timeoutMs }).then((r) => {
      if (r.kind === 'refused' || r.kind === 'failed') {
        this.d.onError();
        this.d.log.warn(
          { op: s.name, outcome: r.kind, ...(r.kind === 'failed' ? { errno: r.errno } : { reason: r.refusal.reason }) },
          'track script could not run',
        );
      }
      this.record(s, r.kind === 'exited' && r.exitCode === 0);
    });
  }

  private record(s: TrackScript, success: boolean): void {
    if (!this.running) return;
    const before = this.current.get(s.name) ?? initialScriptState();
    const after = recordScriptResult(s, before, success);
    this.current.set(s.name, after);
    if (after.good !== before.good) {
      this.d.log.info({ op: s.name, good: after.good }, 'track script state changed');
      this.d.onChange();
    }
    this.timers.set(
      s.name,
      this.d.clock.setTimer(s.intervalMs, () => this.runOnce(s)),
    );
  }
}
