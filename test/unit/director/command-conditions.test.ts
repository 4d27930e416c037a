import { describe, expect, it } from 'vitest';
import { withCommandConditions, type PlanIssue } from '../../../src/director/index.js';
import type { ObjectRef } from '../../../src/model/index.js';
import type { NodeStatusItem } from '../../../src/status/index.js';

const ref = (kind: ObjectRef['kind'], name: string): ObjectRef => ({ kind, namespace: 't', name });

const refused = (object: ObjectRef, path: (string | number)[], program: string): PlanIssue => ({
  object,
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
        refused(ref('VrrpGroup', 'g'), ['spec', 'notify', 'master'], '/bin/a'),
        refused(ref('VrrpGroup', 'g'), ['spec', 'trackScripts', 0, 'command'], '/bin/b'),
        refused(ref('RealServer', 'rs'), ['spec', 'notify', 'up'], '/bin/c'),
        { object: ref('VirtualServer', 'x'), path: ['spec'], message: 'bad', transient: false },
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
