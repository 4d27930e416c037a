/**
 * Runs probes on time. Identical probes (same {@link keyOf}) are run once for every subscriber,
 * so a real server behind many virtual servers is checked once per interval. The first run of
 * a probe is spread over [0, warmup) at random (keepalived's warmup, check_api.c
 * register_checkers_thread), so a start or reload does not fire every check at once. Attempts
 * beyond `maxConcurrent` wait for a slot, which bounds sockets and processes.
 *
 * Retry semantics are keepalived's (check_tcp.c tcp_epilog, check_misc.c): a failed attempt of
 * a server that is up (or not yet checked) is retried `retry` times, `delayBeforeRetry` apart,
 * before the server is declared down; a down server is not retried, one success brings it up.
 */
import type { Logger } from 'pino';
import type { CancelTimer, Clock } from '../core/index.js';
import { messageOf } from '../core/index.js';
import type { CheckRunner } from './checker.js';
import { keyOf, type ProbeKey } from './probes.js';
import { DueQueue } from './due-queue.js';
import type { HealthMetrics } from './metrics.js';
import type { CheckResult, HealthProbe, ProbeHealth } from './types.js';

/** What subscribers hear after every attempt of a probe. */
export interface ProbeReport {
  readonly key: ProbeKey;
  readonly probe: HealthProbe;
  readonly result: CheckResult;
  /** Health after this attempt, and before it. */
  readonly health: ProbeHealth;
  readonly previous: ProbeHealth;
  /** 1 for the scheduled attempt, 2.. for retries. */
  readonly attempt: number;
  /** True when the attempt ended its cycle (success, or the last retry failed). */
  readonly final: boolean;
  readonly plannedAtMs: number;
  readonly startedAtMs: number;
}

/** Receives every attempt's report of a probe it subscribed to. */
export type ProbeListener = (report: ProbeReport) => void;

/** Dependencies and bounds of the {@link ProbeScheduler}. */
export interface SchedulerOptions {
  readonly clock: Clock;
  readonly run: CheckRunner;
  readonly log: Logger;
  readonly metrics?: HealthMetrics;
  /** Uniform [0, 1); Math.random in production, a seeded function in tests. */
  readonly random?: () => number;
  /** Attempts running at once; the rest wait in order of their planned time. */
  readonly maxConcurrent?: number;
  /** Observer of each start's lateness (benchmarks). */
  readonly onStart?: (latenessMs: number) => void;
}

/** Past its timeout plus this, an attempt that has not returned is abandoned as a timeout. */
const ABANDON_GRACE_MS = 3000;
/**
 * Checks in flight at once. Each holds at most 64 KiB of headers and one 64 KiB socket read
 * (plus 256 KiB for a regex body; README "A hostile real server ..."): 128 MiB in all (384 MiB).
 */
const DEFAULT_MAX_CONCURRENT = 1024;

interface Entry {
  readonly key: ProbeKey;
  readonly probe: HealthProbe;
  readonly listeners: Set<ProbeListener>;
  health: ProbeHealth;
  attempt: number;
  /** Planned start of the current cycle's first attempt. */
  cyclePlannedAt: number;
  plannedAt: number;
  /** Bumped whenever the entry is rescheduled or removed: stale queue slots are skipped. */
  generation: number;
  removed: boolean;
  /** A thrown checker error was logged; cleared by the next success. */
  loggedError: boolean;
  abort?: AbortController;
}

interface Slot {
  readonly entry: Entry;
  readonly generation: number;
}

/** The probe scheduler. `start()` arms it, `stop()` cancels everything. */
export class ProbeScheduler {
  private readonly entries = new Map<ProbeKey, Entry>();
  private due = new DueQueue<Slot>();
  private ready: Slot[] = [];
  private readyHead = 0;
  private inFlight = 0;
  private timer: CancelTimer | undefined;
  private timerAt = Infinity;
  private running = false;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly maxConcurrent: number;
  private readonly log: Logger;

  constructor(private readonly opts: SchedulerOptions) {
    this.clock = opts.clock;
    this.random = opts.random ?? Math.random;
    this.maxConcurrent = opts.maxConcurrent ?? DEFAULT_MAX_CONCURRENT;
    this.log = opts.log.child({ component: 'health-scheduler' });
  }

  /** The metrics this scheduler reports to, for components that share them (the monitor). */
  get metrics(): HealthMetrics | undefined {
    return this.opts.metrics;
  }

  /** Number of distinct probes. */
  get probeCount(): number {
    return this.entries.size;
  }

  /** Current health of a probe (unknown before its first verdict or when not scheduled). */
  healthOf(key: ProbeKey): ProbeHealth {
    return this.entries.get(key)?.health ?? 'unknown';
  }

  /** Subscribes to a probe, scheduling it when it is new. Returns the unsubscribe function. */
  subscribe(probe: HealthProbe, listener: ProbeListener): { key: ProbeKey; unsubscribe: () => void } {
    const key = keyOf(probe);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = {
        key,
        probe,
        listeners: new Set(),
        health: 'unknown',
        attempt: 1,
        cyclePlannedAt: 0,
        plannedAt: 0,
        generation: 0,
        removed: false,
        loggedError: false,
      };
      this.entries.set(key, entry);
      this.opts.metrics?.probeAdded();
      if (this.running) this.scheduleFirst(entry);
    }
    const e = entry;
    e.listeners.add(listener);
    return { key, unsubscribe: () => this.unsubscribe(e, listener) };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    for (const entry of this.entries.values()) this.scheduleFirst(entry);
  }

  stop(): void {
    this.running = false;
    this.timer?.();
    this.timer = undefined;
    this.timerAt = Infinity;
    for (const entry of this.entries.values()) {
      entry.generation++;
      entry.abort?.abort();
    }
    this.due = new DueQueue<Slot>();
    this.ready = [];
    this.readyHead = 0;
  }

  private unsubscribe(entry: Entry, listener: ProbeListener): void {
    entry.listeners.delete(listener);
    if (entry.listeners.size > 0 || entry.removed) return;
    entry.removed = true;
    entry.generation++;
    entry.abort?.abort();
    this.entries.delete(entry.key);
    this.opts.metrics?.probeRemoved(entry.health);
  }

  private scheduleFirst(entry: Entry): void {
    const now = this.clock.now();
    const at = now + Math.floor(this.random() * entry.probe.warmupMs);
    entry.attempt = 1;
    entry.cyclePlannedAt = at;
    this.schedule(entry, at);
  }

  private schedule(entry: Entry, at: number): void {
    entry.plannedAt = at;
    entry.generation++;
    this.due.push(at, { entry, generation: entry.generation });
    this.arm();
  }

  /** Keeps one clock timer armed for the earliest due probe. */
  private arm(): void {
    if (!this.running) return;
    const next = this.due.peekAt();
    if (next === undefined || next >= this.timerAt) return;
    this.timer?.();
    this.timerAt = next;
    this.timer = this.clock.setTimer(next - this.clock.now(), () => this.onTimer());
  }

  private onTimer(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = this.clock.now();
    for (let slot = this.due.popDue(now); slot; slot = this.due.popDue(now)) {
      if (slot.generation === slot.entry.generation && !slot.entry.removed) this.ready.push(slot);
    }
    this.pump();
    this.arm();
  }

  /** Starts waiting attempts while there are free slots. */
  private pump(): void {
    while (this.inFlight < this.maxConcurrent && this.readyHead < this.ready.length) {
      const slot = this.ready[this.readyHead++] as Slot;
      if (slot.generation !== slot.entry.generation || slot.entry.removed || !this.running) continue;
      this.begin(slot.entry);
    }
    if (this.readyHead > 1024 && this.readyHead * 2 > this.ready.length) {
      this.ready = this.ready.slice(this.readyHead);
      this.readyHead = 0;
    }
  }

  private begin(entry: Entry): void {
    const startedAt = this.clock.now();
    const latenessMs = startedAt - entry.plannedAt;
    this.opts.metrics?.started(latenessMs);
    this.opts.onStart?.(latenessMs);
    this.inFlight++;
    this.opts.metrics?.inFlightChanged(this.inFlight);
    const generation = entry.generation;
    const abort = new AbortController();
    entry.abort = abort;
    // The attempt settles through finish(); its promise never rejects.
    void this.attempt(entry, abort).then((result) => {
      this.inFlight--;
      this.opts.metrics?.inFlightChanged(this.inFlight);
      if (entry.abort === abort) delete entry.abort;
      if (generation === entry.generation && !entry.removed && this.running) this.finish(entry, result, startedAt);
      this.pump();
      this.arm();
    });
  }

  /** One attempt: the checker's result, a thrown error as reason `error`, or abandonment. */
  private attempt(entry: Entry, abort: AbortController): Promise<CheckResult> {
    const started = this.clock.now();
    const probe = entry.probe;
    return new Promise<CheckResult>((resolve) => {
      let settled = false;
      const settle = (result: CheckResult) => {
        if (settled) return;
        settled = true;
        cancel();
        resolve(result);
      };
      const cancel = this.clock.setTimer(probe.timeoutMs + ABANDON_GRACE_MS, () => {
        abort.abort();
        settle({
          ok: false,
          reason: 'timeout',
          detail: 'checker did not return',
          latencyMs: this.clock.now() - started,
        });
      });
      let pending: Promise<CheckResult>;
      try {
        pending = this.opts.run(probe, abort.signal);
      } catch (err) {
        pending = Promise.reject(err);
      }
      pending.then(settle, (err: unknown) => {
        // Once per probe until it next succeeds (as keepalived's rlflags do); the count goes on
        // in lvs_health_checks_total{result="error"}.
        if (!entry.loggedError) this.log.warn({ err, type: probe.type, target: probe.target.ip }, 'checker failed');
        entry.loggedError = true;
        settle({ ok: false, reason: 'error', detail: messageOf(err), latencyMs: this.clock.now() - started });
      });
    });
  }

  private finish(entry: Entry, result: CheckResult, startedAt: number): void {
    const probe = entry.probe;
    this.opts.metrics?.attempted(probe.type, result);
    const previous = entry.health;
    const attempt = entry.attempt;
    const plannedAt = entry.plannedAt;
    const now = this.clock.now();
    let final = true;
    if (result.ok) {
      entry.health = 'up';
      entry.loggedError = false;
    } else if (previous !== 'down' && attempt <= probe.retry) {
      final = false;
    } else {
      entry.health = 'down';
    }
    if (entry.health !== previous) this.opts.metrics?.probeStateChanged(previous, entry.health);
    if (final) {
      entry.attempt = 1;
      // Fixed rate: the next cycle is one interval after this one was planned, so checks do
      // not drift; after a long retry sequence, one interval from now (as delay_loop is).
      let next = entry.cyclePlannedAt + probe.intervalMs;
      if (next <= now) next = now + probe.intervalMs;
      entry.cyclePlannedAt = next;
      this.schedule(entry, next);
    } else {
      entry.attempt = attempt + 1;
      this.schedule(entry, now + probe.delayBeforeRetryMs);
    }
    const report: ProbeReport = {
      key: entry.key,
      probe,
      result,
      health: entry.health,
      previous,
      attempt,
      final,
      plannedAtMs: plannedAt,
      startedAtMs: startedAt,
    };
    for (const listener of [...entry.listeners]) {
      try {
        listener(report);
      } catch (err) {
        this.log.error({ err }, 'health listener failed');
      }
    }
  }
}
