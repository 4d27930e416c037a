import { describe, expect, it } from 'vitest';
import {
  initialState,
  step,
  type MachineAction,
  type MachineConfig,
  type MachineEvent,
  type MachineState,
} from '../../../src/vrrp/machine.js';
import { masterDownIntervalMs, skewTimeMs } from '../../../src/vrrp/timers.js';

const garp = { masterDelayMs: 5000, masterRepeat: 5, masterRefreshMs: 0, masterRefreshRepeat: 1 };

function config(over: Partial<MachineConfig> = {}): MachineConfig {
  return {
    version: 3,
    priority: 100,
    advertIntervalMs: 1000,
    preempt: true,
    preemptDelayMs: 0,
    garp,
    primaryAddress: '10.0.0.2',
    ...over,
  };
}

/** Drives the machine like the shell does: events at given times, collecting actions. */
function run(
  cfg: MachineConfig,
  events: readonly [number, MachineEvent][],
): { state: MachineState; actions: MachineAction[] } {
  let state = initialState(cfg);
  const actions: MachineAction[] = [];
  for (const [now, e] of events) {
    const r = step(state, e, now);
    state = r.state;
    actions.push(...r.actions);
  }
  return { state, actions };
}

const advert = (priority: number, source = '10.0.0.1', advertIntervalMs = 1000): MachineEvent => ({
  type: 'advert',
  priority,
  source,
  advertIntervalMs,
});
const timer = (t: 'master-down' | 'advert' | 'garp-delay' | 'garp-refresh'): MachineEvent => ({
  type: 'timer',
  timer: t,
});
const transitions = (acts: readonly MachineAction[]) => acts.filter((a) => a.type === 'transition');

describe('timers (RFC 3768 §6.1, RFC 5798 §6.1)', () => {
  it.each([
    { name: 'v2 prio 100, 1 s', version: 2 as const, prio: 100, mai: 1000, skew: 609.375, down: 3609.375 },
    {
      name: 'v2 ignores the interval for skew',
      version: 2 as const,
      prio: 100,
      mai: 3000,
      skew: 609.375,
      down: 9609.375,
    },
    { name: 'v3 prio 100, 1 s', version: 3 as const, prio: 100, mai: 1000, skew: 609.375, down: 3609.375 },
    { name: 'v3 prio 100, 100 ms', version: 3 as const, prio: 100, mai: 100, skew: 60.9375, down: 360.9375 },
    { name: 'v3 prio 254, 100 ms', version: 3 as const, prio: 254, mai: 100, skew: 0.78125, down: 300.78125 },
  ])('$name', ({ version, prio, mai, skew, down }) => {
    expect(skewTimeMs(version, prio, mai)).toBe(skew);
    expect(masterDownIntervalMs(version, prio, mai)).toBe(down);
  });
});

describe('Initialize (RFC 5798 §6.4.1)', () => {
  it('a non-owner starts as backup with Master_Down_Interval armed', () => {
    const { state, actions } = run(config(), [[0, { type: 'startup' }]]);
    expect(state.name).toBe('backup');
    expect(actions).toEqual([
      { type: 'transition', from: 'initialize', to: 'backup', reason: 'startup' },
      { type: 'set-timer', timer: 'master-down', at: 3609.375 },
    ]);
  });

  it('the address owner (255) becomes master at once: advert, VIPs, GARP', () => {
    const { state, actions } = run(config({ priority: 255 }), [[0, { type: 'startup' }]]);
    expect(state.name).toBe('master');
    expect(actions.slice(0, 4)).toEqual([
      { type: 'transition', from: 'initialize', to: 'master', reason: 'address-owner' },
      { type: 'send-advert', priority: 255 },
      { type: 'add-vips' },
      { type: 'announce', repeat: 5 },
    ]);
    expect(state.timers).toEqual({ advert: 1000, 'garp-delay': 5000 });
  });

  it('a faulted instance starts in fault', () => {
    const { state } = run(config(), [
      [0, { type: 'fault', faulted: true }],
      [0, { type: 'startup' }],
    ]);
    expect(state.name).toBe('fault');
  });
});

describe('Backup (RFC 5798 §6.4.2)', () => {
  it('becomes master when Master_Down_Timer fires', () => {
    const { state, actions } = run(config(), [
      [0, { type: 'startup' }],
      [3609.375, timer('master-down')],
    ]);
    expect(state.name).toBe('master');
    expect(transitions(actions).at(-1)).toEqual({
      type: 'transition',
      from: 'backup',
      to: 'master',
      reason: 'master-down',
    });
    expect(state.master).toBe('self');
  });

  it('ignores a stale master-down timer', () => {
    const { state } = run(config(), [
      [0, { type: 'startup' }],
      [1000, advert(150)],
      [3609.375, timer('master-down')],
    ]);
    expect(state.name).toBe('backup');
    expect(state.timers['master-down']).toBe(4609.375);
  });

  it('a higher priority advert resets the timer and records the master', () => {
    const { state, actions } = run(config(), [
      [0, { type: 'startup' }],
      [500, advert(150)],
    ]);
    expect(state.timers['master-down']).toBe(500 + 3609.375);
    expect(actions).toContainEqual({ type: 'master-changed', master: '10.0.0.1' });
  });

  it('an equal priority advert is accepted whatever the address', () => {
    const { state } = run(config({ primaryAddress: '10.0.0.9' }), [
      [0, { type: 'startup' }],
      [500, advert(100)],
    ]);
    expect(state.timers['master-down']).toBe(500 + 3609.375);
  });

  it('v3 learns Master_Adver_Interval from the master', () => {
    const { state } = run(config(), [
      [0, { type: 'startup' }],
      [500, advert(150, '10.0.0.1', 100)],
    ]);
    expect(state.masterAdverIntervalMs).toBe(100);
    expect(state.timers['master-down']).toBe(500 + 360.9375);
  });

  it('v2 keeps its own interval', () => {
    const { state } = run(config({ version: 2 }), [
      [0, { type: 'startup' }],
      [500, advert(150, '10.0.0.1', 3000)],
    ]);
    expect(state.masterAdverIntervalMs).toBe(1000);
  });

  it('priority 0 arms the timer to Skew_Time (v3 uses the learnt interval)', () => {
    const { state } = run(config(), [
      [0, { type: 'startup' }],
      [500, advert(150, '10.0.0.1', 100)],
      [600, advert(0, '10.0.0.1', 100)],
    ]);
    expect(state.timers['master-down']).toBe(600 + 60.9375);
    const r = step(state, timer('master-down'), 660.9375);
    expect(transitions(r.actions)).toEqual([
      { type: 'transition', from: 'backup', to: 'master', reason: 'priority-zero' },
    ]);
  });

  it('priority 0 in v2 uses the v2 skew', () => {
    const { state } = run(config({ version: 2 }), [
      [0, { type: 'startup' }],
      [500, advert(0)],
    ]);
    expect(state.timers['master-down']).toBe(500 + 609.375);
  });

  it('preempt: a lower priority advert is ignored, so the backup takes over', () => {
    const { state } = run(config(), [
      [0, { type: 'startup' }],
      [500, advert(150)],
      [1500, advert(50)],
      [2500, advert(50)],
    ]);
    expect(state.timers['master-down']).toBe(500 + 3609.375);
    expect(step(state, timer('master-down'), 4109.375).state.name).toBe('master');
  });

  it('nopreempt: a lower priority master is kept', () => {
    const { state } = run(config({ preempt: false }), [
      [0, { type: 'startup' }],
      [500, advert(50)],
      [1500, advert(50)],
    ]);
    expect(state.timers['master-down']).toBe(1500 + 3609.375);
  });

  it('preempt_delay: a lower priority master is kept until the delay expires (keepalived vrrp_state_backup)', () => {
    const cfg = config({ preemptDelayMs: 2500 });
    const { state } = run(cfg, [
      [0, { type: 'startup' }],
      [500, advert(50)],
      [1500, advert(50)],
      [2500, advert(50)],
    ]);
    expect(state.preemptAt).toBe(3000);
    expect(state.timers['master-down']).toBe(2500 + 3609.375);
    const later = step(state, advert(50), 3500);
    expect(later.state.timers['master-down']).toBe(2500 + 3609.375);
  });

  it('preempt_delay is cancelled by a higher priority advert', () => {
    const { state } = run(config({ preemptDelayMs: 2500 }), [
      [0, { type: 'startup' }],
      [500, advert(50)],
      [1000, advert(200)],
    ]);
    expect(state.preemptAt).toBeUndefined();
  });
});

describe('Master (RFC 5798 §6.4.3)', () => {
  const master = (cfg = config()) =>
    run(cfg, [
      [0, { type: 'startup' }],
      [3609.375, timer('master-down')],
    ]).state;

  it('sends an advert every Advertisement_Interval', () => {
    const s = master();
    const r = step(s, timer('advert'), 4609.375);
    expect(r.actions).toEqual([
      { type: 'send-advert', priority: 100 },
      { type: 'set-timer', timer: 'advert', at: 5609.375 },
    ]);
  });

  it('priority 0 from another router: advert now and reset Adver_Timer', () => {
    const r = step(master(), advert(0), 4000);
    expect(r.actions).toEqual([
      { type: 'send-advert', priority: 100 },
      { type: 'set-timer', timer: 'advert', at: 5000 },
    ]);
  });

  it('higher priority: back to backup, VIPs removed, timer from the advert (v3 interval learnt)', () => {
    const r = step(master(), advert(150, '10.0.0.1', 200), 4000);
    expect(r.state.name).toBe('backup');
    expect(r.actions).toContainEqual({ type: 'remove-vips' });
    expect(transitions(r.actions)).toEqual([
      { type: 'transition', from: 'master', to: 'backup', reason: 'higher-priority' },
    ]);
    expect(r.state.timers).toEqual({ 'master-down': 4000 + 3 * 200 + (156 * 200) / 256 });
    expect(r.actions).toContainEqual({ type: 'clear-timer', timer: 'advert' });
  });

  it('equal priority, higher peer address: backup', () => {
    const r = step(master(), advert(100, '10.0.0.3'), 4000);
    expect(transitions(r.actions)).toEqual([
      { type: 'transition', from: 'master', to: 'backup', reason: 'equal-priority-higher-address' },
    ]);
  });

  it('equal priority, lower peer address: stays master and answers at once', () => {
    const r = step(master(), advert(100, '10.0.0.1'), 4000);
    expect(r.state.name).toBe('master');
    expect(r.actions).toEqual([{ type: 'send-advert', priority: 100 }]);
  });

  it('lower priority: stays master, forces a new election with an advert', () => {
    const r = step(master(), advert(50), 4000);
    expect(r.actions).toEqual([{ type: 'send-advert', priority: 100 }]);
  });

  it('two address owners: keepalived steps down to 254 and yields to the other owner', () => {
    const owner = run(config({ priority: 255 }), [[0, { type: 'startup' }]]).state;
    for (const peer of ['10.0.0.3', '10.0.0.1']) {
      const r = step(owner, advert(255, peer), 100);
      expect(r.state.effectivePriority).toBe(254);
      expect(r.state.name).toBe('backup');
    }
  });

  it('garp_master_delay sends a second burst; refresh repeats while master', () => {
    const s = master(config({ garp: { ...garp, masterRefreshMs: 10000, masterRefreshRepeat: 2 } }));
    expect(s.timers['garp-delay']).toBe(3609.375 + 5000);
    const a = step(s, timer('garp-delay'), 8609.375);
    expect(a.actions).toEqual([
      { type: 'announce', repeat: 5 },
      { type: 'clear-timer', timer: 'garp-delay' },
    ]);
    const b = step(a.state, timer('garp-refresh'), 13609.375);
    expect(b.actions).toEqual([
      { type: 'announce', repeat: 2 },
      { type: 'set-timer', timer: 'garp-refresh', at: 23609.375 },
    ]);
  });

  it('shutdown: priority 0 advert, VIPs kept, no more adverts, bounded by Master_Down_Interval at priority 1 + margin', () => {
    const r = step(master(), { type: 'shutdown' }, 5000);
    expect(r.actions).toEqual([
      { type: 'send-advert', priority: 0 },
      { type: 'clear-timer', timer: 'advert' },
      { type: 'clear-timer', timer: 'garp-delay' },
      { type: 'set-timer', timer: 'release', at: 5000 + 3000 + (255 * 1000) / 256 + 200 },
    ]);
    expect(r.state).toMatchObject({ name: 'master', releasing: true, stopped: false });
    expect(step(r.state, timer('advert'), 6000).actions).toEqual([]);
    expect(step(r.state, timer('garp-delay'), 8609.375).actions).toEqual([]);
  });

  it("releasing: the new master's advert releases the VIPs VRRP_HANDOVER_MARGIN_MS later", () => {
    const { state, actions } = run(config(), [
      [0, { type: 'startup' }],
      [3609.375, timer('master-down')],
      [5000, { type: 'shutdown' }],
      [5610, advert(100, '10.0.0.3')],
    ]);
    expect(actions.slice(-2)).toEqual([
      { type: 'master-changed', master: '10.0.0.3' },
      { type: 'set-timer', timer: 'release', at: 5810 },
    ]);
    expect(actions).not.toContainEqual({ type: 'remove-vips' });
    // A second advert does not push the release further out.
    const again = step(state, advert(100, '10.0.0.3'), 5700);
    expect(again.state.timers).toEqual({ release: 5810 });
    const early = step(again.state, { type: 'timer', timer: 'release' }, 5809);
    expect(early.actions).toEqual([]);
    const r = step(again.state, { type: 'timer', timer: 'release' }, 5810);
    expect(r.actions).toEqual([
      { type: 'remove-vips' },
      { type: 'transition', from: 'master', to: 'initialize', reason: 'handed-over' },
      { type: 'clear-timer', timer: 'release' },
    ]);
    expect(r.state).toMatchObject({ releasing: false, stopped: true, timers: {} });
    expect(step(r.state, advert(100, '10.0.0.3'), 6000).actions).toEqual([]);
  });

  it.each([
    { name: 'a priority 0 advert (another master leaving) is not a new master', event: advert(0, '10.0.0.3') },
    { name: 'a lower priority advert gets no answer', event: advert(50, '10.0.0.3') },
  ])('releasing: $name', ({ event }) => {
    const stopping = step(master(), { type: 'shutdown' }, 5000).state;
    const r = step(stopping, event, 5100);
    if (event.type === 'advert' && event.priority === 0) expect(r.actions).toEqual([]);
    else expect(r.actions.filter((a) => a.type === 'send-advert')).toEqual([]);
  });

  it('releasing: no backup answers, the bound releases the VIPs', () => {
    const stopping = step(master(), { type: 'shutdown' }, 5000).state;
    const at = stopping.timers.release ?? 0;
    const r = step(stopping, { type: 'timer', timer: 'release' }, at);
    expect(r.actions.slice(0, 2)).toEqual([
      { type: 'remove-vips' },
      { type: 'transition', from: 'master', to: 'initialize', reason: 'handover-timeout' },
    ]);
    expect(r.state.stopped).toBe(true);
  });

  it('releasing: a fault (the link went down) releases at once', () => {
    const stopping = step(master(), { type: 'shutdown' }, 5000).state;
    const r = step(stopping, { type: 'fault', faulted: true }, 5100);
    expect(r.actions.slice(0, 2)).toEqual([
      { type: 'remove-vips' },
      { type: 'transition', from: 'master', to: 'initialize', reason: 'fault' },
    ]);
    expect(r.state.stopped).toBe(true);
  });

  it.each([
    { name: 'backup', events: [[0, { type: 'startup' }]] as [number, MachineEvent][] },
    { name: 'initialize', events: [] as [number, MachineEvent][] },
  ])('shutdown of a $name instance stops at once, no advert', ({ events }) => {
    const s = run(config(), events).state;
    const r = step(s, { type: 'shutdown' }, 100);
    expect(r.actions.filter((a) => a.type === 'send-advert' || a.type === 'remove-vips')).toEqual([]);
    expect(r.state).toMatchObject({ stopped: true, releasing: false, timers: {} });
  });
});

describe('Fault and tracking', () => {
  it('master → fault sends priority 0 and releases the VIPs; cleared → backup', () => {
    const s = run(config(), [
      [0, { type: 'startup' }],
      [3609.375, timer('master-down')],
    ]).state;
    const f = step(s, { type: 'fault', faulted: true }, 4000);
    expect(f.state.name).toBe('fault');
    expect(f.actions.slice(0, 3)).toEqual([
      { type: 'send-advert', priority: 0 },
      { type: 'remove-vips' },
      { type: 'transition', from: 'master', to: 'fault', reason: 'fault' },
    ]);
    expect(f.state.timers).toEqual({});
    const c = step(f.state, { type: 'fault', faulted: false }, 5000);
    expect(c.state.name).toBe('backup');
    expect(c.state.timers['master-down']).toBe(5000 + 3609.375);
  });

  it('backup → fault cancels the down timer', () => {
    const s = run(config(), [[0, { type: 'startup' }]]).state;
    const f = step(s, { type: 'fault', faulted: true }, 10);
    expect(f.actions).toContainEqual({ type: 'clear-timer', timer: 'master-down' });
  });

  it('a lower effective priority is advertised by the master', () => {
    const s = run(config(), [
      [0, { type: 'startup' }],
      [3609.375, timer('master-down')],
    ]).state;
    const p = step(s, { type: 'priority', effectivePriority: 80 }, 4000);
    expect(step(p.state, timer('advert'), 4609.375).actions[0]).toEqual({ type: 'send-advert', priority: 80 });
  });

  it('a lower effective priority lengthens the skew of a backup', () => {
    const s = run(config(), [
      [0, { type: 'startup' }],
      [1, { type: 'priority', effectivePriority: 50 }],
      [100, advert(150)],
    ]).state;
    expect(s.timers['master-down']).toBe(100 + masterDownIntervalMs(3, 50, 1000));
  });

  it('the owner keeps 255 whatever tracking says', () => {
    const s = run(config({ priority: 255 }), [[0, { type: 'priority', effectivePriority: 200 }]]).state;
    expect(s.effectivePriority).toBe(255);
  });
});
