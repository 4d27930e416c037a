import { describe, expect, it } from 'vitest';
import { FakeClock, FakeWallClock } from '../../../src/core/fake-clock.js';
import {
  NodeEventLog,
  NodeStatusDocumentSchema,
  parseStatusDocument,
  RecentEvents,
  statusConditions,
  type NodeEvent,
  type NodeStatusItem,
} from '../../../src/status/index.js';
import { seedStatus } from '../../support/status-document.js';

describe('the status document schema', () => {
  it('reads a document back as it was written (JSON round trip)', () => {
    const doc = seedStatus({ up111: false, weight111: 0 });
    expect(parseStatusDocument(JSON.parse(JSON.stringify(doc)))).toEqual({ ok: true, document: doc });
  });

  it.each([
    { name: 'another version', change: { version: 2 }, problem: 'version' },
    { name: 'no node', change: { node: undefined }, problem: 'node' },
    { name: 'an unknown role', change: { roles: ['controller'] }, problem: 'roles.0' },
    { name: 'a time that is not ISO', change: { time: 'yesterday' }, problem: 'time' },
    { name: 'no events list', change: { events: undefined }, problem: 'events' },
  ])('refuses $name, naming the field', ({ change, problem }) => {
    const r = parseStatusDocument({ ...seedStatus(), ...change });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem).toContain(`${problem}: `);
  });

  it('refuses what is not a document at all', () => {
    const r = parseStatusDocument('ok');
    expect(r).toMatchObject({ ok: false });
    expect(NodeStatusDocumentSchema.safeParse(null).success).toBe(false);
  });
});

const event = (i: number): NodeEvent => ({
  regarding: { kind: 'VrrpGroup', namespace: 'default', name: `g${i}` },
  type: i % 2 === 0 ? 'Normal' : 'Warning',
  reason: 'VipAcquired',
  note: `event ${i}`,
});

describe('RecentEvents', () => {
  it('keeps the newest events, oldest first, with the wall time they were recorded', () => {
    const clock = new FakeClock();
    const recent = new RecentEvents(new FakeWallClock(clock, Date.UTC(2026, 10, 22)), 3);
    expect(recent.list()).toEqual([]);
    for (let i = 0; i < 5; i++) {
      recent.record(event(i));
      clock.advance(1000);
    }
    expect(recent.list()).toEqual([
      {
        time: '2026-11-22T00:00:02.000Z',
        type: 'Normal',
        reason: 'VipAcquired',
        object: { kind: 'VrrpGroup', namespace: 'default', name: 'g2' },
        note: 'event 2',
      },
      expect.objectContaining({ note: 'event 3', type: 'Warning', time: '2026-11-22T00:00:03.000Z' }),
      expect.objectContaining({ note: 'event 4' }),
    ]);
    // A copy: the caller cannot change the buffer.
    recent.list().pop();
    expect(recent.list()).toHaveLength(3);
  });

  it('holds 50 by default', () => {
    const recent = new RecentEvents(new FakeWallClock(new FakeClock()));
    for (let i = 0; i < 60; i++) recent.record(event(i));
    expect(recent.list()).toHaveLength(50);
    expect(recent.list()[0]?.note).toBe('event 10');
  });
});

describe('statusConditions', () => {
  it('lists the issues and the True conditions of the items, with their time', () => {
    const vs = { kind: 'VirtualServer' as const, namespace: 'default', name: 'web' };
    const group = { kind: 'VrrpGroup' as const, namespace: 'default', name: 'vi-1' };
    expect(
      statusConditions(
        [
          {
            ref: vs,
            status: {
              realServers: [],
              conditions: [
                {
                  type: 'CommandsRefused',
                  status: 'True',
                  reason: 'CommandRefused',
                  message: 'spec.x: refused',
                  lastTransitionTime: '2026-11-22T10:00:00.000Z',
                },
                { type: 'Other', status: 'False', reason: 'Fine', message: '', lastTransitionTime: 'x' },
              ],
            },
          },
          { ref: group, status: { nodes: [] } },
        ],
        [{ ref: group, reason: 'SecretNotFound', message: 'spec.authentication.secretRef: not found' }],
      ),
    ).toEqual([
      { object: group, reason: 'SecretNotFound', message: 'spec.authentication.secretRef: not found' },
      { object: vs, reason: 'CommandRefused', message: 'spec.x: refused', since: '2026-11-22T10:00:00.000Z' },
    ]);
  });
});

describe('NodeEventLog', () => {
  const group = { kind: 'VrrpGroup' as const, namespace: 'default', name: 'vi-1' };
  const groupIn = (state: 'Backup' | 'Master'): NodeStatusItem => ({
    ref: group,
    status: { nodes: [{ node: 'lvs1', state, effectivePriority: 100 }] },
  });

  it('derives the Events of each change, keeps them for /status and returns them', () => {
    const clock = new FakeClock();
    const log = new NodeEventLog('lvs1', new FakeWallClock(clock, Date.UTC(2026, 10, 22)));
    // The first observation is the baseline.
    expect(log.observe([groupIn('Backup')], [])).toEqual([]);
    expect(log.observe([groupIn('Backup')], [])).toEqual([]);
    clock.advance(3000);
    const became = log.observe([groupIn('Master')], []);
    expect(became).toEqual([
      {
        regarding: group,
        type: 'Normal',
        reason: 'VipAcquired',
        note: 'lvs1 became MASTER (was Backup) and holds the VIPs',
      },
    ]);
    clock.advance(1000);
    const refused = log.observe([groupIn('Master')], [{ ref: group, reason: 'SecretNotFound', message: 'gone' }]);
    expect(refused.map((e) => e.reason)).toEqual(['SecretNotFound']);
    expect(log.list()).toEqual([
      expect.objectContaining({ time: '2026-11-22T00:00:03.000Z', reason: 'VipAcquired', object: group }),
      expect.objectContaining({ time: '2026-11-22T00:00:04.000Z', type: 'Warning', reason: 'SecretNotFound' }),
    ]);
  });
});
