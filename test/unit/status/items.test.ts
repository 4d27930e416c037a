import { describe, expect, it } from 'vitest';
import { joinNodeIssues } from '../../../src/status/index.js';

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
