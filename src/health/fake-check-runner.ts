/**
 * A fake {@link CheckRunner} for tests: results are scripted per target (ip:port or, for MISC and
 * FILE, the probe type), attempts take a scripted time on the injected clock, and every call is
 * recorded. Not exported from index.ts.
 */
import type { Clock } from '../core/index.js';
import type { CheckRunner } from './checker.js';
import type { CheckResult, HealthProbe, WeightEffect } from './types.js';

/** What the fake answers for a target: a result, an exception, or never. */
export type FakeBehaviour =
  | { readonly kind: 'up'; readonly weight?: WeightEffect }
  | { readonly kind: 'down'; readonly reason: Extract<CheckResult, { ok: false }>['reason'] }
  | { readonly kind: 'throw' }
  /** No answer: a timeout after the probe's timeout, or at once when the attempt is aborted. */
  | { readonly kind: 'silent' }
  /** A broken checker: never settles, ignores aborts. */
  | { readonly kind: 'hang' };

/** One recorded attempt. */
export interface FakeCall {
  readonly target: string;
  readonly type: HealthProbe['type'];
  readonly atMs: number;
}

/** The fake runner; `run` is the {@link CheckRunner}. */
export class FakeCheckRunner {
  readonly calls: FakeCall[] = [];
  /** Attempts running now, and the most that ever ran at once. */
  inFlight = 0;
  maxInFlight = 0;
  private readonly behaviour = new Map<string, FakeBehaviour>();

  constructor(
    private readonly clock: Clock,
    /** How long each attempt takes. */
    private readonly latencyMs = 0,
  ) {}

  /** The target name a probe is scripted under. */
  static targetOf(probe: HealthProbe): string {
    return probe.target.port > 0 ? `${probe.target.ip}:${probe.target.port}` : probe.target.ip;
  }

  set(target: string, behaviour: FakeBehaviour): void {
    this.behaviour.set(target, behaviour);
  }

  callsTo(target: string): FakeCall[] {
    return this.calls.filter((c) => c.target === target);
  }

  readonly run: CheckRunner = (probe, signal) => {
    const target = FakeCheckRunner.targetOf(probe);
    this.calls.push({ target, type: probe.type, atMs: this.clock.now() });
    const b = this.behaviour.get(target) ?? { kind: 'up' };
    if (b.kind === 'throw') throw new Error(`scripted failure of ${target}`);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const started = this.clock.now();
    return new Promise<CheckResult>((resolve) => {
      if (b.kind === 'hang') return;
      let done = false;
      const finish = (result: CheckResult) => {
        if (done) return;
        done = true;
        this.inFlight--;
        cancel();
        signal.removeEventListener('abort', timedOut);
        resolve(result);
      };
      const timedOut = () =>
        finish({ ok: false, reason: 'timeout', detail: 'scripted silence', latencyMs: this.clock.now() - started });
      signal.addEventListener('abort', timedOut, { once: true });
      const settle = () => {
        if (b.kind === 'up') finish({ ok: true, latencyMs: this.latencyMs, ...(b.weight ? { weight: b.weight } : {}) });
        else if (b.kind === 'down') {
          finish({ ok: false, reason: b.reason, detail: `scripted ${b.reason}`, latencyMs: this.latencyMs });
        }
      };
      const cancel =
        b.kind === 'silent'
          ? this.clock.setTimer(probe.timeoutMs, timedOut)
          : this.clock.setTimer(this.latencyMs, settle);
    });
  };
}
