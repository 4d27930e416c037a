import { describe, expect, it } from 'vitest';
import {
  evaluateTracking,
  initialScriptState,
  recordScriptResult,
  type ScriptState,
} from '../../../src/vrrp/tracking.js';
import type { TrackScript, VrrpInstanceConfig } from '../../../src/vrrp/types.js';

/** An instance on eth0 at priority 100 that tracks nothing, as planGroup makes it from defaults. */
const cfg = (over: Partial<VrrpInstanceConfig> = {}): VrrpInstanceConfig => ({
  name: 'default/vi',
  vrid: 1,
  version: 2,
  family: 4,
  interface: 'eth0',
  priority: 100,
  advertIntervalMs: 1000,
  preempt: false,
  preemptDelayMs: 0,
  virtualIPs: [{ address: '10.0.0.1', prefixLength: 32 }],
  unicastPeers: [],
  auth: { type: 'none' },
  acceptMode: true,
  trackInterfaces: [],
  trackScripts: [],
  garp: { masterDelayMs: 5000, masterRepeat: 5, masterRefreshMs: 0, masterRefreshRepeat: 1 },
  notify: {},
  ...over,
});

describe('evaluateTracking (keepalived weight semantics)', () => {
  const links = (entries: [string, boolean][]) => new Map(entries);
  it.each([
    {
      name: 'nothing tracked',
      c: cfg(),
      l: links([]),
      s: new Map<string, boolean>(),
      expected: { effectivePriority: 100, faulted: false },
    },
    {
      name: 'own interface down is FAULT',
      c: cfg(),
      l: links([['eth0', false]]),
      s: new Map(),
      expected: { effectivePriority: 100, faulted: true },
    },
    {
      name: 'negative weight applies while down',
      c: cfg({ trackInterfaces: [{ name: 'eth1', weight: -30 }] }),
      l: links([['eth1', false]]),
      s: new Map(),
      expected: { effectivePriority: 70, faulted: false },
    },
    {
      name: 'negative weight not applied while up',
      c: cfg({ trackInterfaces: [{ name: 'eth1', weight: -30 }] }),
      l: links([['eth1', true]]),
      s: new Map(),
      expected: { effectivePriority: 100, faulted: false },
    },
    {
      name: 'positive weight applies while up',
      c: cfg({ trackInterfaces: [{ name: 'eth1', weight: 20 }] }),
      l: links([['eth1', true]]),
      s: new Map(),
      expected: { effectivePriority: 120, faulted: false },
    },
    {
      name: 'weight 0 down is FAULT',
      c: cfg({ trackInterfaces: [{ name: 'eth1', weight: 0 }] }),
      l: links([['eth1', false]]),
      s: new Map(),
      expected: { effectivePriority: 100, faulted: true },
    },
    {
      name: 'failed script with negative weight',
      c: cfg({
        trackScripts: [
          { name: 'chk', command: ['x'], intervalMs: 1000, timeoutMs: 1000, rise: 1, fall: 1, weight: -50 },
        ],
      }),
      l: links([]),
      s: new Map([['chk', false]]),
      expected: { effectivePriority: 50, faulted: false },
    },
    {
      name: 'clamped to 1..254',
      c: cfg({ priority: 250, trackInterfaces: [{ name: 'eth1', weight: 20 }] }),
      l: links([['eth1', true]]),
      s: new Map(),
      expected: { effectivePriority: 254, faulted: false },
    },
    {
      name: 'clamped at 1',
      c: cfg({ priority: 10, trackInterfaces: [{ name: 'eth1', weight: -50 }] }),
      l: links([['eth1', false]]),
      s: new Map(),
      expected: { effectivePriority: 1, faulted: false },
    },
    {
      name: 'the owner keeps 255',
      c: cfg({ priority: 255, trackInterfaces: [{ name: 'eth1', weight: -50 }] }),
      l: links([['eth1', false]]),
      s: new Map(),
      expected: { effectivePriority: 255, faulted: false },
    },
  ])('$name', ({ c, l, s, expected }) => {
    expect(evaluateTracking(c, { links: l, scripts: s })).toMatchObject(expected);
  });
});

describe('track script rise / fall', () => {
  const script: TrackScript = {
    name: 'chk',
    command: ['x'],
    intervalMs: 1000,
    timeoutMs: 500,
    rise: 2,
    fall: 3,
    weight: 0,
  };
  const runAll = (results: boolean[]): (boolean | undefined)[] => {
    let s: ScriptState = initialScriptState();
    return results.map((r) => (s = recordScriptResult(script, s, r)).good);
  };
  it('the first result decides', () => {
    expect(runAll([false])).toEqual([false]);
    expect(runAll([true])).toEqual([true]);
  });
  it('fall: 3 failures in a row make a good script bad; a success in between resets', () => {
    expect(runAll([true, false, false, true, false, false, false])).toEqual([
      true,
      true,
      true,
      true,
      true,
      true,
      false,
    ]);
  });
  it('rise: 2 successes in a row make a bad script good', () => {
    expect(runAll([false, true, false, true, true])).toEqual([false, false, false, false, true]);
  });
});
