import { describe, expect, it } from 'vitest';
import {
  EMPTY_OBSERVATION,
  nodeEvents,
  observeNode,
  type NodeIssue,
  type NodeStatusItem,
} from '../../../src/status/index.js';

const group = (state: 'Master' | 'Backup' | 'Fault'): NodeStatusItem => ({
  ref: { kind: 'VrrpGroup', namespace: 'ns', name: 'vg' },
  status: { nodes: [{ node: 'lb1', state, effectivePriority: 100 }] },
});
const service = (health: 'Up' | 'Down' | 'Unknown', address = '192.0.2.10'): NodeStatusItem => ({
  ref: { kind: 'VirtualServer', namespace: 'ns', name: 'web' },
  status: { realServers: [{ address, port: 80, director: 'lb1', health, weight: health === 'Up' ? 1 : 0 }] },
});
const invalid = (message: string): NodeIssue => ({
  ref: { kind: 'VrrpGroup', namespace: 'ns', name: 'vg' },
  reason: 'InvalidSpec',
  message,
});

interface Case {
  name: string;
  before: NodeStatusItem[] | undefined;
  after: NodeStatusItem[];
  issuesBefore?: NodeIssue[];
  issuesAfter?: NodeIssue[];
  expected: { kind: string; reason: string; type: string }[];
}

describe('nodeEvents', () => {
  it.each<Case>([
    {
      name: 'first observation: a baseline, no Events',
      before: undefined,
      after: [group('Master'), service('Down')],
      expected: [],
    },
    {
      name: 'unchanged: nothing',
      before: [group('Master'), service('Up')],
      after: [group('Master'), service('Up')],
      expected: [],
    },
    {
      name: 'BACKUP to MASTER',
      before: [group('Backup')],
      after: [group('Master')],
      expected: [{ kind: 'VrrpGroup', reason: 'VipAcquired', type: 'Normal' }],
    },
    {
      name: 'MASTER to FAULT',
      before: [group('Master')],
      after: [group('Fault')],
      expected: [{ kind: 'VrrpGroup', reason: 'VipReleased', type: 'Normal' }],
    },
    { name: 'BACKUP to FAULT: no VIPs moved', before: [group('Backup')], after: [group('Fault')], expected: [] },
    {
      name: 'a MASTER group stops here (deleted, node left the selector)',
      before: [group('Master')],
      after: [],
      expected: [{ kind: 'VrrpGroup', reason: 'VipReleased', type: 'Normal' }],
    },
    {
      name: 'real server goes down',
      before: [service('Up')],
      after: [service('Down')],
      expected: [{ kind: 'VirtualServer', reason: 'RealServerDown', type: 'Warning' }],
    },
    {
      name: 'real server comes back',
      before: [service('Down')],
      after: [service('Up')],
      expected: [{ kind: 'VirtualServer', reason: 'RealServerUp', type: 'Normal' }],
    },
    {
      name: 'first check passes (Unknown to Up): no Event',
      before: [service('Unknown')],
      after: [service('Up')],
      expected: [],
    },
    {
      name: 'first check fails (Unknown to Down)',
      before: [service('Unknown')],
      after: [service('Down')],
      expected: [{ kind: 'VirtualServer', reason: 'RealServerDown', type: 'Warning' }],
    },
    {
      name: 'an object becomes invalid here',
      before: [],
      after: [],
      issuesAfter: [invalid('interface eth9 not found')],
      expected: [{ kind: 'VrrpGroup', reason: 'InvalidSpec', type: 'Warning' }],
    },
    {
      name: 'the same issue again: nothing',
      before: [],
      after: [],
      issuesBefore: [invalid('interface eth9 not found')],
      issuesAfter: [invalid('interface eth9 not found')],
      expected: [],
    },
  ])('$name', ({ before, after, issuesBefore, issuesAfter, expected }) => {
    const b = before === undefined ? EMPTY_OBSERVATION : observeNode(before, issuesBefore ?? []);
    const events = nodeEvents('lb1', b, observeNode(after, issuesAfter ?? []));
    expect(events.map((e) => ({ kind: e.regarding.kind, reason: e.reason, type: e.type }))).toEqual(expected);
    for (const e of events) expect(e.note).toContain('lb1');
  });

  it('names the real server, IPv6 in brackets', () => {
    const [e] = nodeEvents(
      'lb1',
      observeNode([service('Up', '2001:db8::1')], []),
      observeNode([service('Down', '2001:db8::1')], []),
    );
    expect(e?.note).toContain('[2001:db8::1]:80');
    expect(e?.regarding).toEqual({ kind: 'VirtualServer', namespace: 'ns', name: 'web' });
  });
});
