import { describe, expect, it } from 'vitest';
import { parseClientLine } from '../../../src/demo/client.js';
import { parseAgentMetrics } from '../../../src/demo/probe.js';
import {
  describeChanges,
  emptyTraffic,
  recordOutcome,
  type DemoState,
  type DirectorState,
  type ProbeSnapshot,
} from '../../../src/demo/state.js';
import { formatLogLine, renderView } from '../../../src/demo/view.js';

const snapshot = (state: string, weight111 = 1, up111 = true): ProbeSnapshot => ({
  agentUp: true,
  vrrp: [{ group: 'default/vi-1', state }],
  health: [
    { rs: '192.168.5.111:80', up: up111 },
    { rs: '192.168.5.112:80', up: true },
  ],
  ipvs: [
    {
      protocol: 'TCP',
      address: '192.168.105.253',
      port: 80,
      scheduler: 'lc',
      destinations: [
        {
          address: '192.168.5.111',
          port: 80,
          forwarding: 'Route',
          weight: weight111,
          activeConns: 0,
          inactiveConns: 12,
          conns: 40,
          inPkts: 200,
        },
        {
          address: '192.168.5.112',
          port: 80,
          forwarding: 'Route',
          weight: 1,
          activeConns: 1,
          inactiveConns: 11,
          conns: 41,
          inPkts: 205,
        },
      ],
    },
  ],
});

function stateWith(directors: DirectorState[], extra: Partial<DemoState> = {}): DemoState {
  let traffic = emptyTraffic(5000);
  for (let i = 0; i < 10; i++)
    traffic = recordOutcome(traffic, { atMs: 1000 + i * 100, backend: i < 3 ? 'web1' : 'web2' });
  traffic = recordOutcome(traffic, { atMs: 2000, error: 'timeout' });
  return {
    title: 'lvs-operator demo',
    nowMs: 2500,
    phase: '3/6 Steady traffic',
    directors,
    backends: [
      { name: 'web1', address: '192.168.5.111', healthPage: 'present', acceptsVip: true },
      { name: 'web2', address: '192.168.5.112', healthPage: 'present' },
    ],
    traffic,
    log: [
      { atMs: 0, kind: 'phase', text: '1/6 Build' },
      { atMs: 1200, kind: 'event', text: 'lvs1: VRRP start -> MASTER' },
      { atMs: 1300, kind: 'result', text: 'lvs1 is VRRP MASTER' },
    ],
    notes: [],
    ...extra,
  };
}

const lvs1 = (s?: ProbeSnapshot, killed = false): DirectorState => ({
  name: 'lvs1',
  address: '192.168.105.1',
  killed,
  ...(s ? { snapshot: s } : {}),
});
const lvs2 = (s?: ProbeSnapshot): DirectorState => ({
  name: 'lvs2',
  address: '192.168.105.2',
  killed: false,
  ...(s ? { snapshot: s } : {}),
});

describe('renderView', () => {
  it.each([
    {
      name: 'a master with its IPVS table, health and shares',
      state: stateWith([lvs1(snapshot('MASTER')), lvs2(snapshot('BACKUP'))]),
      contains: [
        '  lvs1  192.168.105.1   MASTER  holds the VIP, programs IPVS',
        '  lvs2  192.168.105.2   BACKUP  standing by',
        'IPVS on lvs1, the master',
        '  TCP  192.168.105.253:80 lc',
        '    -> 192.168.5.111:80     Route       1          0        12      40     200',
        '  web1  192.168.5.111  REDIRECT  present      UP     3         30%',
        '  web2  192.168.5.112  -         present      UP     7         70%',
        '  failed requests: 1 (last 5s: 1)',
        '   +1.2s     lvs1: VRRP start -> MASTER',
      ],
    },
    {
      name: 'the master killed: the other one serves',
      state: stateWith([lvs1(snapshot('MASTER'), true), lvs2(snapshot('MASTER'))]),
      contains: ['  lvs1  192.168.105.1   KILLED', 'IPVS on lvs2, the master'],
    },
    {
      name: 'no master yet',
      state: stateWith([lvs1(), lvs2(snapshot('BACKUP'))]),
      contains: [
        '  lvs1  192.168.105.1   starting',
        '  (no master: nobody programs the VIP)',
        '  web1  192.168.5.111  REDIRECT  present      ?',
      ],
    },
    {
      name: 'web1 drained: renamed page, check down, weight 0',
      state: stateWith([lvs1(snapshot('MASTER', 0, false)), lvs2(snapshot('BACKUP'))], {
        backends: [
          { name: 'web1', address: '192.168.5.111', healthPage: 'renamed' },
          { name: 'web2', address: '192.168.5.112', healthPage: 'present' },
        ],
      }),
      contains: ['    -> 192.168.5.111:80     Route       0', '  web1  192.168.5.111  -         renamed      DOWN'],
    },
  ])('$name', ({ state, contains }) => {
    const text = renderView(state, { color: false });
    for (const line of contains) expect(text).toContain(line);
    expect(text).not.toContain('\x1b[');
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });

  it('colours only when asked, and limits the log to the newest lines', () => {
    const state = stateWith([lvs1(snapshot('MASTER')), lvs2(snapshot('BACKUP'))]);
    expect(renderView(state, { color: true })).toContain('\x1b[32mMASTER\x1b[0m');
    const short = renderView(state, { color: false, logLines: 1 });
    expect(short).toContain('lvs1 is VRRP MASTER');
    expect(short).not.toContain('1/6 Build');
    expect(renderView(state, { color: false, logLines: 0 })).not.toContain('Log');
  });

  it.each([
    { kind: 'phase' as const, expected: '   +0.0s  == 1/6 Build' },
    { kind: 'event' as const, expected: '   +0.0s     1/6 Build' },
    { kind: 'result' as const, expected: '   +0.0s  >> 1/6 Build' },
  ])('formats a $kind log line', ({ kind, expected }) => {
    expect(formatLogLine({ atMs: 0, kind, text: '1/6 Build' })).toBe(expected);
  });
});

describe('demo state', () => {
  it('keeps only the window of recent outcomes and counts failures', () => {
    let t = emptyTraffic(1000);
    t = recordOutcome(t, { atMs: 0, backend: 'web1' });
    t = recordOutcome(t, { atMs: 500, error: 'timeout' });
    t = recordOutcome(t, { atMs: 1200, backend: 'web2' });
    expect(t.answered).toEqual({ web1: 1, web2: 1 });
    expect(t.failed).toBe(1);
    expect(t.recent.map((r) => r.atMs)).toEqual([500, 1200]);
  });

  it.each([
    {
      name: 'first snapshot',
      before: undefined,
      after: snapshot('BACKUP'),
      expected: ['lvs1: agent answering', 'lvs1: VRRP start -> BACKUP'],
    },
    {
      name: 'takeover',
      before: snapshot('BACKUP'),
      after: snapshot('MASTER'),
      expected: ['lvs1: VRRP BACKUP -> MASTER'],
    },
    {
      name: 'drain',
      before: snapshot('MASTER'),
      after: snapshot('MASTER', 0, false),
      expected: ['lvs1: IPVS weight of 192.168.5.111 1 -> 0', 'lvs1: health of 192.168.5.111:80 DOWN'],
    },
    {
      name: 'agent gone',
      before: snapshot('MASTER'),
      after: { ...snapshot('MASTER'), agentUp: false },
      expected: ['lvs1: agent not answering'],
    },
  ])('describes changes: $name', ({ before, after, expected }) => {
    expect(describeChanges('lvs1', before, after)).toEqual(expected);
  });
});

describe('probe and client lines', () => {
  it('reads VRRP state and real server health from the agent metrics', () => {
    const text = [
      '# TYPE lvs_vrrp_state gauge',
      'lvs_vrrp_state{group="default/vi-1",vrid="51",state="backup"} 0',
      'lvs_vrrp_state{group="default/vi-1",vrid="51",state="master"} 1',
      'lvs_health_real_server_up{vs="default/example-web-servers",rs="192.168.5.111:80"} 0',
      'lvs_health_real_server_up{vs="default/example-web-servers",rs="192.168.5.112:80"} 1',
    ].join('\n');
    expect(parseAgentMetrics(text)).toEqual({
      vrrp: [{ group: 'default/vi-1', state: 'MASTER' }],
      health: [
        { rs: '192.168.5.111:80', up: false },
        { rs: '192.168.5.112:80', up: true },
      ],
    });
  });

  it.each([
    { line: '{"backend":"web1"}', expected: { backend: 'web1' } },
    { line: '{"error":"timeout"}', expected: { error: 'timeout' } },
    { line: 'listening', expected: undefined },
    { line: '{"other":1}', expected: undefined },
  ])('parses client line $line', ({ line, expected }) => {
    expect(parseClientLine(line)).toEqual(expected);
  });
});
