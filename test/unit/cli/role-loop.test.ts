import { describe, expect, it } from 'vitest';
import { ApplyReportLoop, notReadyReasons, PassQueue, startTicker } from '../../../src/cli/role-loop.js';
import { FakeClock } from '../../../src/core/fake-clock.js';
import { silentLogger } from '../../../src/core/logger.js';

describe('PassQueue', () => {
  it('runs one pass at a time and merges requests made meanwhile into one follow-up pass', async () => {
    let running = 0;
    let maxRunning = 0;
    const seen: number[] = [];
    let input = 0;
    let release: (() => void) | undefined;
    const queue = new PassQueue(async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      seen.push(input);
      if (seen.length === 1) await new Promise<void>((r) => (release = r));
      running--;
    }, silentLogger());
    input = 1;
    const first = queue.request();
    input = 2;
    void queue.request();
    input = 3;
    const last = queue.request();
    release?.();
    await Promise.all([first, last]);
    await queue.idle();
    expect(seen).toEqual([1, 3]); // the newest input wins; the middle request merged
    expect(maxRunning).toBe(1);
  });

  it('keeps going after a failed pass', async () => {
    let calls = 0;
    const queue = new PassQueue(() => {
      calls++;
      return calls === 1 ? Promise.reject(new Error('boom')) : Promise.resolve();
    }, silentLogger());
    await queue.request();
    await queue.request();
    expect(calls).toBe(2);
  });
});

describe('notReadyReasons', () => {
  it('names each role whose first sync is pending', () => {
    expect(
      notReadyReasons([
        { name: 'informers', isSynced: () => true },
        { name: 'director', isSynced: () => false },
      ]),
    ).toEqual(['director: first sync pending']);
  });

  it('names every fault a running role reports (an unwritable IPVS ownership record)', () => {
    expect(
      notReadyReasons([
        { name: 'director', isSynced: () => true, faults: () => ['ipvs ownership record: EROFS'] },
        { name: 'realserver', isSynced: () => false },
      ]),
    ).toEqual(['director: ipvs ownership record: EROFS', 'realserver: first sync pending']);
  });
});

describe('ApplyReportLoop', () => {
  it('applies while a report is still writing, and reports after every apply', async () => {
    const events: string[] = [];
    let releaseReport: (() => void) | undefined;
    const loop = new ApplyReportLoop({
      apply: () => {
        events.push('apply');
        return Promise.resolve(true);
      },
      report: async () => {
        events.push('report');
        if (!releaseReport) await new Promise<void>((r) => (releaseReport = r));
      },
      log: silentLogger(),
    });
    await loop.requestApply();
    await waitUntil(() => releaseReport !== undefined);
    await loop.requestApply(); // the first report is still blocked
    expect(events).toEqual(['apply', 'report', 'apply']);
    releaseReport?.();
    await loop.idle();
    expect(events).toEqual(['apply', 'report', 'apply', 'report']);
  });

  it('reports nothing before the first apply that programmed the node', async () => {
    const events: string[] = [];
    let ready = false;
    const loop = new ApplyReportLoop({
      apply: () => {
        events.push(ready ? 'apply' : 'skip');
        return Promise.resolve(ready);
      },
      report: () => {
        events.push('report');
        return Promise.resolve();
      },
      log: silentLogger(),
    });
    await loop.requestApply();
    await loop.requestReport();
    await loop.idle();
    expect(events).toEqual(['skip']);
    ready = true;
    await loop.requestApply();
    await loop.idle();
    expect(events).toEqual(['skip', 'apply', 'report']);
  });
});

describe('ApplyReportLoop ordering', () => {
  it('a report asked for during an apply describes that apply: it starts once the apply is done', async () => {
    const events: string[] = [];
    let releaseApply: (() => void) | undefined;
    const loop = new ApplyReportLoop({
      apply: async () => {
        events.push('apply start');
        if (events.length > 1) await new Promise<void>((r) => (releaseApply = r));
        events.push('apply end');
        return true;
      },
      report: () => {
        events.push('report');
        return Promise.resolve();
      },
      log: silentLogger(),
    });
    await loop.requestApply();
    await loop.idle();
    events.length = 0;
    events.push('second');
    void loop.requestApply();
    await waitUntil(() => releaseApply !== undefined);
    void loop.requestReport();
    await new Promise((r) => setImmediate(r));
    expect(events).toEqual(['second', 'apply start']);
    releaseApply?.();
    await loop.idle();
    expect(events).toEqual(['second', 'apply start', 'apply end', 'report', 'report']);
  });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i++) await new Promise((r) => setImmediate(r));
  expect(condition()).toBe(true);
}

describe('startTicker', () => {
  it('ticks every interval on the clock, one timer armed at a time, until cancelled', () => {
    const clock = new FakeClock();
    const at: number[] = [];
    const stop = startTicker(clock, 1000, () => at.push(clock.now()));
    clock.advance(999);
    expect(at).toEqual([]);
    clock.advance(2001);
    expect(at).toEqual([1000, 2000, 3000]);
    expect(clock.armed).toBe(1);
    stop();
    expect(clock.armed).toBe(0);
    clock.advance(5000);
    expect(at).toEqual([1000, 2000, 3000]);
  });

  it('keeps ticking after a tick that throws', () => {
    const clock = new FakeClock();
    let ticks = 0;
    startTicker(clock, 100, () => {
      if (++ticks === 1) throw new Error('tick failed');
    });
    expect(() => clock.advance(100)).toThrow('tick failed');
    clock.advance(100);
    expect(ticks).toBe(2);
    expect(clock.armed).toBe(1);
  });

  it('stopped from inside a tick, it arms nothing more', () => {
    const clock = new FakeClock();
    let ticks = 0;
    const stop = startTicker(clock, 100, () => {
      ticks++;
      stop();
    });
    clock.advance(1000);
    expect(ticks).toBe(1);
    expect(clock.armed).toBe(0);
  });
});
