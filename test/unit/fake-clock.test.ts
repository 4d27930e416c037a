import { describe, expect, it } from 'vitest';
import { FakeClock, FakeWallClock } from '../../src/core/fake-clock.js';

describe('FakeClock', () => {
  it('fires timers in time order and only when due', () => {
    const clock = new FakeClock(1000);
    const fired: string[] = [];
    clock.setTimer(30, () => fired.push('b'));
    clock.setTimer(10, () => fired.push('a'));
    const cancel = clock.setTimer(20, () => fired.push('cancelled'));
    cancel();
    clock.advance(15);
    expect(fired).toEqual(['a']);
    expect(clock.now()).toBe(1015);
    clock.advance(15);
    expect(fired).toEqual(['a', 'b']);
    expect(clock.armed).toBe(0);
  });

  it('runs timers armed by a firing timer within the same advance', () => {
    const clock = new FakeClock();
    const at: number[] = [];
    clock.setTimer(10, () => {
      at.push(clock.now());
      clock.setTimer(10, () => at.push(clock.now()));
    });
    clock.advance(25);
    expect(at).toEqual([10, 20]);
  });
});

describe('FakeWallClock', () => {
  it('moves with its FakeClock from the start it is given', () => {
    const clock = new FakeClock();
    const wall = new FakeWallClock(clock, Date.UTC(2025, 0, 1));
    expect(wall.now().toISOString()).toBe('2025-01-01T00:00:00.000Z');
    clock.advance(90_000);
    expect(wall.now().toISOString()).toBe('2025-01-01T00:01:30.000Z');
  });
});
