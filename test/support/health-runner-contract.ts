/**
 * The CheckRunner contract, run against the fake (unit tier) and the real checkers (netns tier)
 * so the fake cannot drift: an up target gives ok with a latency, a down target gives a
 * bounded reason and a detail, an abort ends the attempt, and no expected failure rejects.
 */
import { expect, it } from 'vitest';
import type { CheckRunner } from '../../src/health/checker.js';
import { FAILURE_REASONS, type HealthProbe } from '../../src/health/types.js';

export interface ContractTargets {
  readonly run: () => CheckRunner;
  /** A probe whose target passes. */
  readonly up: () => HealthProbe;
  /** A probe whose target fails fast (refused). */
  readonly down: () => HealthProbe;
  /** A probe whose target never answers (its timeout decides). */
  readonly silent: () => HealthProbe;
}

/** Declares the contract's cases in the current describe block. */
export function checkRunnerContract(t: ContractTargets): void {
  it('contract: an up target passes with a latency', async () => {
    const r = await t.run()(t.up(), new AbortController().signal);
    expect(r.ok).toBe(true);
    expect(r.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('contract: a down target fails with a bounded reason and a detail, without rejecting', async () => {
    const r = await t.run()(t.down(), new AbortController().signal);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(FAILURE_REASONS).toContain(r.reason);
    expect(r.detail.length).toBeGreaterThan(0);
  });

  it('contract: an abort ends an attempt that would otherwise wait for its timeout', async () => {
    const abort = new AbortController();
    const pending = t.run()(t.silent(), abort.signal);
    abort.abort();
    const r = await pending;
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toBe('timeout');
  });
}
