import { EventStream } from '../core/index.js';
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

/** The speaker's events (src/core EventStream). */
export class VrrpEventStream extends EventStream<VrrpEvent> {}
