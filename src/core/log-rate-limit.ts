/**
 * A log budget per class over fixed time windows: at most `linesPerWindow` lines per class in
 * each window, then only counted; when a window that suppressed lines ends, one summary is
 * reported with the count. keepalived's log_rate_limited_error has the same aim; we bound by
 * time, not "once per key forever", so a problem that persists is seen again each window and
 * memory does not grow with the keys an attacker can invent.
 *
 * Memory is one entry per class that is active in the current window (idle classes are
 * forgotten when their window ends), so callers pass classes from a bounded set (a drop reason,
 * a peer kind), never a packet's address.
 */
import type { CancelTimer, Clock } from './clock.js';

/** How much a {@link LogRateLimit} lets through. */
export interface LogRateLimitOptions<K extends string> {
  readonly clock: Clock;
  /** Length of a window in milliseconds. */
  readonly windowMs: number;
  /** Lines admitted per class and window. */
  readonly linesPerWindow: number;
  /** Called once at the end of a window that suppressed `suppressed` lines of `cls`. */
  readonly onSuppressed: (cls: K, suppressed: number, windowMs: number) => void;
}

interface Window {
  lines: number;
  suppressed: number;
  readonly cancel: CancelTimer;
}

/** See the file comment; `stop()` reports what is pending and cancels the timers. */
export class LogRateLimit<K extends string> {
  private readonly windows = new Map<K, Window>();

  constructor(private readonly o: LogRateLimitOptions<K>) {}

  /** True when a line of class `cls` may be written now; otherwise it is counted. */
  admit(cls: K): boolean {
    let w = this.windows.get(cls);
    if (!w) {
      w = { lines: 0, suppressed: 0, cancel: this.o.clock.setTimer(this.o.windowMs, () => this.close(cls)) };
      this.windows.set(cls, w);
    }
    if (w.lines < this.o.linesPerWindow) {
      w.lines++;
      return true;
    }
    w.suppressed++;
    return false;
  }

  /** Classes with an open window (for tests of the bound). */
  get size(): number {
    return this.windows.size;
  }

  /** Ends every window now: summaries of what was suppressed are reported, timers cancelled. */
  stop(): void {
    for (const cls of [...this.windows.keys()]) this.close(cls);
  }

  private close(cls: K): void {
    const w = this.windows.get(cls);
    if (!w) return;
    w.cancel();
    this.windows.delete(cls);
    if (w.suppressed > 0) this.o.onSuppressed(cls, w.suppressed, this.o.windowMs);
  }
}
