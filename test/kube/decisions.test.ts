import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '../../src/kube/backoff.js';
import { canonicalJson } from '../../src/kube/canonical-json.js';
import { setCondition, type Condition } from '../../src/kube/conditions.js';
import { finalizerPatch } from '../../src/kube/finalizers.js';
import { decideLease, type LeaseRecord } from '../../src/kube/lease-decision.js';
import { ObjectStore } from '../../src/kube/object-store.js';

// The pure decisions of src/kube, table-driven; their I/O shells are tested against the API
// server in writers.test.ts and informer.test.ts.

const lease = (holder: string, renewTime = 't1', leaseDurationMs = 15_000): LeaseRecord => ({
  holder,
  renewTime,
  leaseDurationMs,
  transitions: 0,
});

describe('decideLease', () => {
  it.each([
    { name: 'no lease yet', current: undefined, observed: undefined, now: 0, expected: 'create' },
    { name: 'we hold it', current: lease('me'), observed: undefined, now: 0, expected: 'renew' },
    { name: 'released', current: lease(''), observed: undefined, now: 0, expected: 'acquire' },
    {
      name: 'another holder, first sight',
      current: lease('other'),
      observed: undefined,
      now: 100_000,
      expected: 'wait',
    },
    {
      name: 'another holder, unchanged for less than the duration',
      current: lease('other'),
      observed: { record: lease('other'), observedAtMs: 1_000 },
      now: 15_999,
      expected: 'wait',
    },
    {
      name: 'another holder, unchanged for the duration',
      current: lease('other'),
      observed: { record: lease('other'), observedAtMs: 1_000 },
      now: 16_000,
      expected: 'acquire',
    },
    {
      name: 'another holder that renewed since we looked',
      current: lease('other', 't2'),
      observed: { record: lease('other', 't1'), observedAtMs: 1_000 },
      now: 60_000,
      expected: 'wait',
    },
  ] as const)('$name → $expected', ({ current, observed, now, expected }) => {
    expect(decideLease('me', current, observed, now)).toBe(expected);
  });
});

describe('finalizerPatch', () => {
  const meta = (finalizers?: string[]) => ({ metadata: finalizers ? { finalizers } : {} });
  it.each([
    {
      name: 'add to none',
      obj: meta(),
      want: true,
      expected: [
        { op: 'test', path: '/metadata/finalizers', value: null },
        { op: 'add', path: '/metadata/finalizers', value: ['lvs.io/cleanup'] },
      ],
    },
    {
      name: 'add to others',
      obj: meta(['x/y']),
      want: true,
      expected: [
        { op: 'test', path: '/metadata/finalizers', value: ['x/y'] },
        { op: 'add', path: '/metadata/finalizers/-', value: 'lvs.io/cleanup' },
      ],
    },
    { name: 'already there', obj: meta(['lvs.io/cleanup']), want: true, expected: undefined },
    {
      name: 'remove',
      obj: meta(['x/y', 'lvs.io/cleanup']),
      want: false,
      expected: [
        { op: 'test', path: '/metadata/finalizers/1', value: 'lvs.io/cleanup' },
        { op: 'remove', path: '/metadata/finalizers/1' },
      ],
    },
    { name: 'remove absent', obj: meta(['x/y']), want: false, expected: undefined },
  ])('$name', ({ obj, want, expected }) => {
    expect(finalizerPatch(obj, 'lvs.io/cleanup', want)).toEqual(expected);
  });
});

describe('setCondition', () => {
  const ready = (status: Condition['status'], lastTransitionTime = 'T0'): Condition => ({
    type: 'Ready',
    status,
    reason: 'R',
    message: 'm',
    lastTransitionTime,
  });
  it('keeps the transition time while the status holds, so an equal status means no write', () => {
    const once = setCondition([], { type: 'Ready', status: 'True', reason: 'R', message: 'm' }, 'T0');
    const again = setCondition(once, { type: 'Ready', status: 'True', reason: 'R', message: 'm' }, 'T1');
    expect(again).toEqual([ready('True', 'T0')]);
    expect(canonicalJson(again)).toBe(canonicalJson(once));
  });
  it('moves the transition time when the status flips, and leaves other types alone', () => {
    const other: Condition = { ...ready('True'), type: 'Conflict' };
    const next = setCondition(
      [other, ready('True')],
      { type: 'Ready', status: 'False', reason: 'R', message: 'm' },
      'T9',
    );
    expect(next).toEqual([other, ready('False', 'T9')]);
  });
});

describe('canonicalJson', () => {
  it('ignores key order, keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: 0 } })).toBe(canonicalJson({ a: { c: 0, d: [2, 1] }, b: 1 }));
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });
});

describe('backoffDelayMs', () => {
  it.each([
    [0, 500],
    [1, 1_000],
    [3, 4_000],
    [6, 30_000],
    [1_000, 30_000],
  ])('attempt %i → %i ms', (attempt, expected) => {
    expect(backoffDelayMs({ initialMs: 500, maxMs: 30_000 }, attempt)).toBe(expected);
  });
});

describe('ObjectStore', () => {
  const obj = (name: string, rv: string, namespace = 'ns') => ({ metadata: { name, namespace, resourceVersion: rv } });
  it('reports real changes only, and a relist as a diff', () => {
    const store = new ObjectStore<ReturnType<typeof obj>>();
    expect(store.upsert(obj('a', '1'))?.type).toBe('added');
    expect(store.upsert(obj('a', '1'))).toBeUndefined();
    expect(store.upsert(obj('a', '2'))?.type).toBe('modified');
    store.upsert(obj('b', '3'));
    const events = store.replace([obj('a', '2'), obj('c', '4')]);
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['deleted b', 'added c']);
    expect(store.list().map((o) => o.metadata.name)).toEqual(['a', 'c']);
    expect(store.remove(obj('zz', '9'))).toBeUndefined();
  });
});
