import { describe, expect, it } from 'vitest';
import { effectiveWeight, planWeights, SORRY_SERVER_ID, type PlannedRealServer } from '../../../src/health/weights.js';

const rs = (id: string, up: boolean, weight = 1, inhibitOnFailure = false): PlannedRealServer => ({
  id,
  address: `192.0.2.${id}`,
  port: 80,
  weight,
  inhibitOnFailure,
  up,
});
const dest = (id: string, weight: number) => ({ id, address: `192.0.2.${id}`, port: 80, weight });
const sorry = { address: '198.51.100.1', port: 8080, inhibit: false };
const sorryDest = (weight: number) => ({ id: SORRY_SERVER_ID, address: '198.51.100.1', port: 8080, weight });

describe('planWeights', () => {
  it.each([
    {
      name: 'all up: configured weights',
      input: { realServers: [rs('1', true, 3), rs('2', true, 1)], quorum: 1, hysteresis: 0 },
      expected: { destinations: [dest('1', 3), dest('2', 1)], quorumUp: true, aliveWeight: 4 },
    },
    {
      name: 'down without inhibit: removed',
      input: { realServers: [rs('1', true), rs('2', false)], quorum: 1, hysteresis: 0 },
      expected: { destinations: [dest('1', 1)], quorumUp: true, aliveWeight: 1 },
    },
    {
      name: 'down with inhibit_on_failure: weight 0 (connections drain)',
      input: { realServers: [rs('1', true, 5), rs('2', false, 5, true)], quorum: 1, hysteresis: 0 },
      expected: { destinations: [dest('1', 5), dest('2', 0)], quorumUp: true, aliveWeight: 5 },
    },
    {
      name: 'quorum lost: the sorry server replaces the alive servers; inhibited ones stay at 0',
      input: {
        realServers: [rs('1', true), rs('2', false, 1, true), rs('3', false)],
        quorum: 2,
        hysteresis: 0,
        sorryServer: sorry,
        quorumUp: true,
      },
      expected: { destinations: [dest('2', 0), sorryDest(1)], quorumUp: false, aliveWeight: 1, quorumChange: 'lost' },
    },
    {
      name: 'quorum lost without a sorry server: servers stay, state changes',
      input: { realServers: [rs('1', true), rs('2', false)], quorum: 2, hysteresis: 0, quorumUp: true },
      expected: { destinations: [dest('1', 1)], quorumUp: false, aliveWeight: 1, quorumChange: 'lost' },
    },
    {
      name: 'sorry_server_inhibit: at weight 0 while quorum holds',
      input: { realServers: [rs('1', true)], quorum: 1, hysteresis: 0, sorryServer: { ...sorry, inhibit: true } },
      expected: { destinations: [dest('1', 1), sorryDest(0)], quorumUp: true, aliveWeight: 1 },
    },
    {
      name: 'alive inhibited servers go to weight 0 under the sorry server (ipvs_cmd turns DEL into weight 0)',
      input: { realServers: [rs('1', true, 1, true)], quorum: 3, hysteresis: 0, sorryServer: sorry },
      expected: { destinations: [dest('1', 0), sorryDest(1)], quorumUp: false, aliveWeight: 1 },
    },
    {
      name: 'hysteresis: still up above quorum - hysteresis',
      input: {
        realServers: [rs('1', true), rs('2', true), rs('3', false), rs('4', false)],
        quorum: 3,
        hysteresis: 1,
        sorryServer: sorry,
        quorumUp: true,
      },
      expected: { destinations: [dest('1', 1), dest('2', 1)], quorumUp: true, aliveWeight: 2 },
    },
    {
      name: 'hysteresis: lost below quorum - hysteresis',
      input: {
        realServers: [rs('1', true), rs('2', false), rs('3', false)],
        quorum: 3,
        hysteresis: 1,
        sorryServer: sorry,
        quorumUp: true,
      },
      expected: { destinations: [sorryDest(1)], quorumUp: false, aliveWeight: 1, quorumChange: 'lost' },
    },
    {
      name: 'hysteresis: not regained at quorum, only at quorum + hysteresis',
      input: {
        realServers: [rs('1', true), rs('2', true), rs('3', true), rs('4', false)],
        quorum: 3,
        hysteresis: 1,
        sorryServer: sorry,
        quorumUp: false,
      },
      expected: { destinations: [sorryDest(1)], quorumUp: false, aliveWeight: 3 },
    },
    {
      name: 'hysteresis: regained at quorum + hysteresis',
      input: {
        realServers: [rs('1', true), rs('2', true), rs('3', true), rs('4', true)],
        quorum: 3,
        hysteresis: 1,
        sorryServer: sorry,
        quorumUp: false,
      },
      expected: {
        destinations: [dest('1', 1), dest('2', 1), dest('3', 1), dest('4', 1)],
        quorumUp: true,
        aliveWeight: 4,
        quorumChange: 'gained',
      },
    },
    {
      name: 'start (no previous state): up only at quorum + hysteresis (set_quorum_states)',
      input: {
        realServers: [rs('1', true), rs('2', true), rs('3', true)],
        quorum: 3,
        hysteresis: 1,
        sorryServer: sorry,
      },
      expected: { destinations: [sorryDest(1)], quorumUp: false, aliveWeight: 3 },
    },
    {
      name: 'weight 0 servers count nothing: quorum lost at alive weight 0 even with quorum 0 - hysteresis',
      input: { realServers: [rs('1', true, 0)], quorum: 1, hysteresis: 5, quorumUp: true },
      expected: { destinations: [dest('1', 0)], quorumUp: false, aliveWeight: 0, quorumChange: 'lost' },
    },
  ])('$name', ({ input, expected }) => {
    expect(planWeights(input)).toEqual(expected);
  });
});

describe('effectiveWeight', () => {
  it.each([
    { name: 'no effects', configured: 3, effects: [], expected: 3 },
    { name: 'misc_dynamic sets the weight', configured: 3, effects: [{ kind: 'set', weight: 7 }], expected: 7 },
    { name: 'FILE_CHECK adds', configured: 3, effects: [{ kind: 'add', delta: 4 }], expected: 7 },
    {
      name: 'set then add',
      configured: 3,
      effects: [
        { kind: 'add', delta: -2 },
        { kind: 'set', weight: 10 },
      ],
      expected: 8,
    },
    { name: 'clamped at 0 (real_weight)', configured: 1, effects: [{ kind: 'add', delta: -5 }], expected: 0 },
  ] as const)('$name', ({ configured, effects, expected }) => {
    expect(effectiveWeight(configured, effects)).toBe(expected);
  });
});
