import type { CancelTimer, Clock, WallClock } from './clock.js';

interface Pending {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

/** A Clock for tests: time moves only through {@link FakeClock.advance}. */
export class FakeClock implements Clock {
  private t: number;
  private nextId = 0;
  private pending: Pending[] = [];

  constructor(startMs = 0) {
    this.t = startMs;
  }

  now(): number {
    return this.t;
  }

  setTimer(ms: number, fn: () => void): CancelTimer {
    const id = this.nextId++;
    this.pending.push({ id, at: this.t + Math.max(0, ms), fn });
    return () => {
      this.pending = this.pending.filter((p) => p.id !== id);
    };
  }

  /** Moves time forward, firing due timers in time order (ties in arming order). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.pending.filter((p) => p.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.pending = this.pending.filter((p) => p.id !== due.id);
      this.t = due.at;
      due.fn();
    }
    this.t = end;
  }

  /** Number of armed timers. */
  get armed(): number {
    return this.pending.length;
  }
}

/**
 * A WallClock for tests that moves with a {@link FakeClock}: `startMs` (epoch milliseconds)
 * plus the fake clock's time, so timestamps in status follow `advance`.
 */
export class FakeWallClock implements WallClock {
  constructor(
    private readonly clock: Clock,
    private readonly startMs = Date.UTC(2025, 0, 1),
  ) {}

  now(): Date {
    return new Date(this.startMs + this.clock.now());
  }
}
