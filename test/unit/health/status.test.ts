import { describe, expect, it } from 'vitest';
import { VirtualServerStatusSchema } from '../../../src/api/index.js';
import { realServerStatusEntry } from '../../../src/health/status.js';

describe('realServerStatusEntry', () => {
  it.each([
    {
      name: 'down with the failing check',
      health: {
        state: 'Down' as const,
        weight: 1,
        reason: 'status' as const,
        detail: '/health_check.html: status 404',
        latencyMs: 2.4,
        sinceMs: Date.UTC(2026, 10, 22, 1, 0, 0),
        checks: [],
      },
      weight: 0,
      expected: {
        address: '192.0.2.10',
        port: 80,
        director: 'lb1',
        health: 'Down',
        weight: 0,
        reason: 'status: /health_check.html: status 404',
        since: '2026-11-22T01:00:00.000Z',
        latencySeconds: 0.002,
      },
    },
    {
      name: 'up, never checked latency',
      health: { state: 'Up' as const, weight: 3, sinceMs: 0, checks: [] },
      weight: 3,
      expected: {
        address: '192.0.2.10',
        port: 80,
        director: 'lb1',
        health: 'Up',
        weight: 3,
        since: '1970-01-01T00:00:00.000Z',
      },
    },
  ])('$name', ({ health, weight, expected }) => {
    const entry = realServerStatusEntry({ address: '192.0.2.10', port: 80 }, health, 'lb1', weight);
    expect(entry).toEqual(expected);
    // What we write is what the API accepts.
    expect(VirtualServerStatusSchema.safeParse({ realServers: [entry] }).success).toBe(true);
  });
});
