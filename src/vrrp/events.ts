import type { TransitionReason } from './machine.js';
import type { VrrpStateName } from './types.js';

/** What the speaker reports in-process (status, metrics, the director). */
export type VrrpEvent =
  | {
      readonly type: 'transition';
      readonly instance: string;
      readonly vrid: number;
      readonly from: VrrpStateName;
      readonly to: VrrpStateName;
      readonly reason: TransitionReason;
      readonly priority: number;
      readonly at: number;
    }
  | {
      readonly type: 'master-changed';
      readonly instance: string;
      readonly vrid: number;
      /** 'self', a peer address, or undefined when unknown. */
      readonly master: string | undefined;
      readonly at: number;
    }
  | {
      readonly type: 'priority';
      readonly instance: string;
      readonly vrid: number;
      readonly priority: number;
      readonly at: number;
    };

/** A synchronous in-process event stream; listeners are copied before each emit. */
export class VrrpEventStream {
  private readonly listeners = new Set<(e: VrrpEvent) => void>();

  subscribe(listener: (e: VrrpEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit(e: VrrpEvent): void {
    for (const l of [...this.listeners]) l(e);
  }
}
