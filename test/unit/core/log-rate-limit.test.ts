import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/fake-clock.js';
import { LogRateLimit } from '../../../src/core/log-rate-limit.js';

function limiter(clock: FakeClock) {
  const summaries: [string, number, number][] = [];
  const l = new LogRateLimit<'a' | 'b'>({
    clock,
    windowMs: 60_000,
    linesPerWindow: 3,
    onSuppressed: (cls, n, w) => summaries.push([cls, n, w]),
  });
  return { l, summaries };
}

describe('LogRateLimit', () => {
  it('admits N lines per class and window, then counts; one summary when the window ends', () => {
    const clock = new FakeClock();
    const { l, summaries } = limiter(clock);
    const admitted = Array.from({ length: 10 }, () => l.admit('a'));
    expect(admitted.filter(Boolean)).toHaveLength(3);
    expect(l.admit('b')).toBe(true);
    clock.advance(59_999);
    expect(summaries).toEqual([]);
    clock.advance(1);
    expect(summaries).toEqual([['a', 7, 60_000]]);
    expect(l.size).toBe(0);
    // A persisting problem is seen again in the next window.
    expect(l.admit('a')).toBe(true);
  });

  it('stop() reports what is pending and forgets every class', () => {
    const clock = new FakeClock();
    const { l, summaries } = limiter(clock);
    for (let i = 0; i < 5; i++) l.admit('b');
    l.stop();
    expect(summaries).toEqual([['b', 2, 60_000]]);
    expect(l.size).toBe(0);
    clock.advance(120_000);
    expect(summaries).toHaveLength(1);
  });
});
