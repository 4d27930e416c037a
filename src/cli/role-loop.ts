import type { CancelTimer, Clock, Logger } from '../core/index.js';

/**
 * Runs `pass` one at a time: a request while a pass runs merges into one follow-up pass, so
 * the newest input always wins and no two passes interleave. Shared by `standalone` and the
 * cluster roles, which read their current input inside `pass`.
 */
export class PassQueue {
  private running: Promise<void> | undefined;
  private pending = false;

  constructor(
    private readonly pass: () => Promise<void>,
    private readonly log: Logger,
  ) {}

  /** Asks for a pass; resolves when a pass that started after this call has finished. */
  request(): Promise<void> {
    // The running loop takes the pending pass before it settles.
    if (this.running) {
      this.pending = true;
      return this.running;
    }
    this.running = this.loop();
    return this.running;
  }

  /** Resolves when no pass runs or waits. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async loop(): Promise<void> {
    try {
      do {
        this.pending = false;
        try {
          await this.pass();
        } catch (err) {
          this.log.error({ err }, 'applying the objects failed; the next change or resync retries');
        }
      } while (this.pending);
    } finally {
      this.running = undefined;
    }
  }
}

/**
 * The two loops of a node role: applying objects to the node, and reporting (status writes,
 * Events). Each runs one pass at a time with requests merged, but they run independently: a
 * change never waits for the status writes of the change before it, which take one API
 * request per changed status. A report runs after every apply and on request (VRRP and
 * health changes between object changes), never before the first apply, so nothing is
 * reported (or withdrawn) from a role that has not been programmed yet.
 */
export class ApplyReportLoop {
  private readonly applies: PassQueue;
  private readonly reports: PassQueue;
  private applied = false;
  private applying: Promise<boolean> | undefined;

  constructor(opts: {
    /** Resolves true when it programmed the node, false when it had nothing to do yet. */
    readonly apply: () => Promise<boolean>;
    readonly report: () => Promise<void>;
    readonly log: Logger;
  }) {
    this.applies = new PassQueue(async () => {
      this.applying = opts.apply();
      try {
        if (await this.applying) this.applied = true;
      } finally {
        this.applying = undefined;
      }
      void this.reports.request(); // the queue logs a failed pass
    }, opts.log);
    this.reports = new PassQueue(async () => {
      // A report describes a finished apply: it waits for the one under way (a few
      // milliseconds of planning and one IPVS write), never for the ones after it.
      await this.applying?.catch(() => false);
      if (this.applied) await opts.report();
    }, opts.log);
  }

  /** Asks for an apply (then a report); resolves once an apply begun after this call is done. */
  requestApply(): Promise<void> {
    return this.applies.request();
  }

  /** Asks for a report; resolves once a report begun after this call is done. */
  requestReport(): Promise<void> {
    return this.reports.request();
  }

  /** Resolves when neither loop runs or waits. */
  async idle(): Promise<void> {
    await this.applies.idle();
    await this.reports.idle();
  }
}

/**
 * Calls `tick` every `intervalMs` on `clock`, the timer re-armed after each call, until the
 * returned function cancels it. A tick only asks for a pass (the queues merge requests), so
 * the drift a re-armed timer has does not matter; a fake clock drives it in tests.
 */
export function startTicker(clock: Clock, intervalMs: number, tick: () => void): CancelTimer {
  let cancel: CancelTimer | undefined;
  let stopped = false;
  const arm = () => {
    cancel = clock.setTimer(intervalMs, () => {
      if (stopped) return;
      arm(); // before the tick, so a tick that throws still leaves the next one armed
      tick();
    });
  };
  arm();
  return () => {
    stopped = true;
    cancel?.();
  };
}

/**
 * Readiness reasons of the roles a process runs: each says why it is not ready yet (first sync
 * pending) or no longer (a fault the role reports, such as an unwritable state directory).
 */
export function notReadyReasons(
  roles: readonly { readonly name: string; readonly isSynced: () => boolean; readonly faults?: () => string[] }[],
): string[] {
  return roles.flatMap((r) => [
    ...(r.isSynced() ? [] : [`${r.name}: first sync pending`]),
    ...(r.faults?.() ?? []).map((f) => `${r.name}: ${f}`),
  ]);
}

/**
 * Waits for SIGTERM or SIGINT and returns its name; SIGHUP calls `onHup` meanwhile. The
 * handlers are removed again, so a second SIGTERM during the graceful stop kills the process
 * as usual.
 */
export async function waitForStopSignal(log: Logger, onHup?: () => void): Promise<string> {
  const hup = () => {
    log.info('SIGHUP: reloading');
    onHup?.();
  };
  if (onHup) process.on('SIGHUP', hup);
  const signal = await new Promise<string>((resolve) => {
    const term = () => done('SIGTERM');
    const int = () => done('SIGINT');
    const done = (name: string) => {
      process.off('SIGTERM', term);
      process.off('SIGINT', int);
      resolve(name);
    };
    process.once('SIGTERM', term);
    process.once('SIGINT', int);
  });
  if (onHup) process.off('SIGHUP', hup);
  log.info({ signal }, 'stopping gracefully');
  return signal;
}
