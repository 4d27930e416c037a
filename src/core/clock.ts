/** Cancels a timer armed with {@link Clock.setTimer}; calling it twice is harmless. */
export type CancelTimer = () => void;

/**
 * Time as a port: everything that waits takes a Clock, so tests drive time by hand.
 * All times are milliseconds.
 */
export interface Clock {
  /** Monotonic milliseconds (not wall time). */
  now(): number;
  setTimer(ms: number, fn: () => void): CancelTimer;
}

/** The real clock: performance.now() and setTimeout. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(t);
  },
};

/**
 * Wall time as a port: what status shows (ISO timestamps such as lastTransitionTime), never
 * what waits are measured with (that is {@link Clock}, monotonic).
 */
export interface WallClock {
  now(): Date;
}

/** The real wall clock. */
export const systemWallClock: WallClock = { now: () => new Date() };
