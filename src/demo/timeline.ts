/** How long each phase of the demo lasts once its goal is reached. */
export interface Timeline {
  /** Steady traffic before the master is killed. */
  readonly steadyMs: number;
  /** Service on the new master, after the takeover. */
  readonly afterTakeoverMs: number;
  /** Traffic with web1 drained, after its weight reached 0. */
  readonly drainedMs: number;
  /** Traffic after web1 is back. */
  readonly restoredMs: number;
  /** The window of the "share of new connections" column. */
  readonly windowMs: number;
  /** Requests per second sent by the client. */
  readonly rate: number;
  /** Deadline for the agents to elect a master and program IPVS (slow inside user-mode-linux). */
  readonly startDeadlineMs: number;
  /** Deadline for each awaited change (takeover, drain, restore). */
  readonly stepDeadlineMs: number;
}

/** The full demo: time to watch each phase. */
export const FULL_TIMELINE: Timeline = {
  steadyMs: 12_000,
  afterTakeoverMs: 10_000,
  drainedMs: 10_000,
  restoredMs: 8_000,
  windowMs: 5_000,
  rate: 10,
  startDeadlineMs: 180_000,
  stepDeadlineMs: 60_000,
};

/** `--quick`: the same steps, each held only as long as its checks need. */
export const QUICK_TIMELINE: Timeline = {
  steadyMs: 4_000,
  afterTakeoverMs: 4_000,
  drainedMs: 4_000,
  restoredMs: 3_000,
  windowMs: 3_000,
  rate: 10,
  startDeadlineMs: 180_000,
  stepDeadlineMs: 60_000,
};
