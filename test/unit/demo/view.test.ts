import { describe, expect, it } from 'vitest';
import { parseClientLine } from '../../../src/demo/client.js';
import {
  describeChanges,
  emptyTraffic,
  parseProbeLine,
  recordOutcome,
  type DemoState,
  type DirectorState,
  type ProbeSnapshot,
} from '../../../src/demo/state.js';
import { formatLogLine, renderView } from '../../../src/demo/view.js';
import { seedStatus } from '../../support/status-document.js';

const snapshot = (state: string, weight111 = 1, up111 = true): ProbeSnapshot => ({
  agentUp: true,
  status: seedStatus({ state, weight111, up111 }),
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
        'On lvs1, the master (lvsctl status)',
        '  default/vi-1           51 eth0      MASTER  100      this node       12s',
        '  TCP  192.168.105.253:80 lc  default/example-web-servers',
        '    -> 192.168.5.111:80     Route       1          0        12     6   600   48k',
        '    192.168.5.111:80       UP           1/1  5s',
        '  web1  192.168.5.111  REDIRECT  present      UP     3         30%',
        '  web2  192.168.5.112  -         present      UP     7         70%',
        '  failed requests: 1 (last 5s: 1)',
        '   +1.2s     lvs1: VRRP start -> MASTER',
      ],
    },
    {
      name: 'the master killed: the other one serves',
      state: stateWith([lvs1(snapshot('MASTER'), true), lvs2(snapshot('MASTER'))]),
      contains: ['  lvs1  192.168.105.1   KILLED', 'On lvs2, the master'],
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
      contains: [
        '    -> 192.168.5.111:80     Route       0',
        '    192.168.5.111:80       DOWN         0/1  5s    http-status: GET /health_che…',
        '  web1  192.168.5.111  -         renamed      DOWN',
      ],
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
  it("reads a probe line: the agent's status document, parsed with its schema", () => {
    const status = seedStatus({ state: 'BACKUP' });
    expect(parseProbeLine(JSON.stringify({ agentUp: true, status }))).toEqual({ agentUp: true, status });
    expect(parseProbeLine('{"agentUp":false}')).toEqual({ agentUp: false });
    // A document this version does not read is an agent not answering with one.
    expect(parseProbeLine(JSON.stringify({ agentUp: true, status: { ...status, version: 2 } }))).toEqual({
      agentUp: false,
    });
    expect(parseProbeLine('not json')).toBeUndefined();
    expect(parseProbeLine('{"other":1}')).toBeUndefined();
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
