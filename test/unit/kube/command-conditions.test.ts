import { describe, expect, it } from 'vitest';
import type { PlanIssue } from '../../../src/director/index.js';
import { joinNodeIssues, withCommandConditions, type NodeStatusItem } from '../../../src/kube/index.js';

const refused = (kind: PlanIssue['kind'], ref: string, path: string[], program: string): PlanIssue => ({
  ref,
  kind,
  path,
  message: `program "${program}" is not allowed`,
  transient: false,
  reason: 'CommandRefused',
  refusedCommand: { kind: 'notify', program },
});

describe('withCommandConditions', () => {
  const since = () => '2026-01-01T00:00:00.000Z';

  it('adds one CommandsRefused condition per object, merged into its item, every refused field named', () => {
    const items: NodeStatusItem[] = [
      {
        ref: { kind: 'VrrpGroup', namespace: 't', name: 'g' },
        status: { nodes: [{ node: 'lb-1', state: 'Master', effectivePriority: 100 }] },
      },
    ];
    const out = withCommandConditions(
      items,
      [
        refused('VrrpGroup', 't/g', ['spec', 'notify', 'master'], '/bin/a'),
        refused('VrrpGroup', 't/g', ['spec', 'trackScripts', 0, 'command'] as string[], '/bin/b'),
        refused('RealServer', 't/rs', ['spec', 'notify', 'up'], '/bin/c'),
        { ref: 't/x', kind: 'VirtualServer', path: ['spec'], message: 'bad', transient: false },
      ],
      since,
    );
    expect(out).toEqual([
      {
        ref: { kind: 'VrrpGroup', namespace: 't', name: 'g' },
        status: {
          nodes: [{ node: 'lb-1', state: 'Master', effectivePriority: 100 }],
          conditions: [
            {
              type: 'CommandsRefused',
              status: 'True',
              reason: 'CommandRefused',
              message:
                'spec.notify.master: program "/bin/a" is not allowed; spec.trackScripts.0.command: program "/bin/b" is not allowed',
              lastTransitionTime: '2026-01-01T00:00:00.000Z',
            },
          ],
        },
      },
      {
        ref: { kind: 'RealServer', namespace: 't', name: 'rs' },
        status: {
          conditions: [
            {
              type: 'CommandsRefused',
              status: 'True',
              reason: 'CommandRefused',
              message: 'spec.notify.up: program "/bin/c" is not allowed',
              lastTransitionTime: '2026-01-01T00:00:00.000Z',
            },
          ],
        },
      },
    ]);
  });

  it('leaves the items alone without refusals', () => {
    const items: NodeStatusItem[] = [
      { ref: { kind: 'VirtualServer', namespace: 't', name: 'w' }, status: { realServers: [] } },
    ];
    expect(withCommandConditions(items, [], since)).toEqual(items);
  });
});

describe('joinNodeIssues', () => {
  it('joins the messages of one object and reason, keeps other reasons apart', () => {
    const ref = { kind: 'VrrpGroup' as const, namespace: 't', name: 'g' };
    expect(
      joinNodeIssues([
        { ref, reason: 'CommandRefused', message: 'a' },
        { ref, reason: 'InvalidSpec', message: 'b' },
        { ref, reason: 'CommandRefused', message: 'c' },
      ]),
    ).toEqual([
      { ref, reason: 'CommandRefused', message: 'a; c' },
      { ref, reason: 'InvalidSpec', message: 'b' },
    ]);
  });
});
