import { Counter, type Registry } from 'prom-client';
import type { CommandKind } from './process-runner.js';

/**
 * lvs_commands_* instruments. One per registry, shared by the director's planning (a refused
 * command found in an object) and the process runner (a refused command reaching it anyway).
 */
export class CommandMetrics {
  private readonly refusedTotal: Counter<'kind'>;

  constructor(registry: Registry) {
    this.refusedTotal = new Counter({
      name: 'lvs_commands_refused_total',
      help: 'Commands from objects that the command policy refused, by kind (misc-check, notify, track-script, system).',
      labelNames: ['kind'],
      registers: [registry],
    });
  }

  refused(kind: CommandKind): void {
    this.refusedTotal.inc({ kind });
  }
}
