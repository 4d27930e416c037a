import type { InstanceStatus, VipConflict, VrrpEvent, VrrpInstanceConfig, VrrpStateName } from '../vrrp/index.js';
import type { VrrpRunner } from './vrrp-port.js';

/**
 * A VrrpRunner for tests: instances start in BACKUP, and the test moves them with
 * {@link FakeVrrpRunner.transition}. Records every instance set it was given. Not exported
 * from index.ts.
 */
export class FakeVrrpRunner implements VrrpRunner {
  readonly sets: (readonly VrrpInstanceConfig[])[] = [];
  /** What {@link conflicts} reports; a test sets it. */
  vipConflicts: VipConflict[] = [];
  stopped = false;
  private readonly states = new Map<string, { config: VrrpInstanceConfig; state: VrrpStateName }>();
  private readonly listeners = new Set<(e: VrrpEvent) => void>();

  setInstances(configs: readonly VrrpInstanceConfig[]): Promise<readonly Error[]> {
    this.sets.push(configs);
    const next = new Map(
      configs.map((c) => [c.name, { config: c, state: this.states.get(c.name)?.state ?? ('backup' as const) }]),
    );
    this.states.clear();
    for (const [k, v] of next) this.states.set(k, v);
    return Promise.resolve([]);
  }

  status(): InstanceStatus[] {
    return [...this.states.values()].map(({ config, state }) => ({
      name: config.name,
      vrid: config.vrid,
      state,
      effectivePriority: config.priority,
      master: state === 'master' ? 'self' : undefined,
    }));
  }

  conflicts(): VipConflict[] {
    return this.vipConflicts;
  }

  subscribe(listener: (e: VrrpEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * When set before {@link stop}, the handover is held open (as a master waits for the new
   * master's advert) until {@link releaseStop}.
   */
  holdStop = false;
  private release: (() => void) | undefined;

  stop(): Promise<void> {
    this.stopped = true;
    const done = () => {
      for (const name of this.states.keys()) this.transition(name, 'initialize');
    };
    if (!this.holdStop) {
      done();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.release = () => {
        done();
        resolve();
      };
    });
  }

  /** Ends a held handover: the instances go to Initialize and {@link stop} resolves. */
  releaseStop(): void {
    this.release?.();
  }

  transition(name: string, to: VrrpStateName): void {
    const entry = this.states.get(name);
    if (!entry) throw new Error(`no instance ${name}`);
    const from = entry.state;
    entry.state = to;
    const event: VrrpEvent = {
      type: 'transition',
      instance: name,
      vrid: entry.config.vrid,
      from,
      to,
      reason: to === 'master' ? 'master-down' : 'shutdown',
      priority: entry.config.priority,
      at: 0,
    };
    for (const l of [...this.listeners]) l(event);
  }
}
