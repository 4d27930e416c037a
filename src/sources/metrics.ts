import { Counter, Gauge, type Registry } from 'prom-client';

/** lvs_config_* instruments of a manifest source, behind intent-named methods. */
export class SourceMetrics {
  private readonly stale: Gauge;
  private readonly reloads: Counter<'result'>;
  private readonly objects: Gauge<'kind'>;
  private readonly problems: Gauge<'severity'>;
  private readonly up: Gauge;

  constructor(registry: Registry) {
    this.stale = new Gauge({
      name: 'lvs_config_stale',
      help: '1 while some objects are invalid and their last good version is in use, or a reload failed.',
      registers: [registry],
    });
    this.reloads = new Counter({
      name: 'lvs_config_reloads_total',
      help: 'Reloads of the configuration source by result.',
      labelNames: ['result'],
      registers: [registry],
    });
    this.objects = new Gauge({
      name: 'lvs_config_objects',
      help: 'Valid objects in effect, by kind.',
      labelNames: ['kind'],
      registers: [registry],
    });
    this.problems = new Gauge({
      name: 'lvs_config_diagnostics',
      help: 'Problems found in the configuration at the last reload, by severity.',
      labelNames: ['severity'],
      registers: [registry],
    });
    this.up = new Gauge({
      name: 'lvs_config_source_up',
      help: '1 while the configuration source can be read; 0 while it is unavailable (missing or unreadable folder) and the last good state is in use.',
      registers: [registry],
    });
  }

  reloaded(
    result: 'ok' | 'invalid' | 'error',
    kinds: Readonly<Record<string, number>>,
    errors: number,
    warnings: number,
    stale: boolean,
  ): void {
    this.reloads.inc({ result });
    this.objects.reset();
    for (const [kind, n] of Object.entries(kinds)) this.objects.set({ kind }, n);
    this.problems.set({ severity: 'error' }, errors);
    this.problems.set({ severity: 'warning' }, warnings);
    this.stale.set(stale ? 1 : 0);
    this.up.set(1);
  }

  /** The source could not be read at all; its last good state stays in use. */
  unavailable(): void {
    this.reloads.inc({ result: 'unavailable' });
    this.stale.set(1);
    this.up.set(0);
  }

  failed(): void {
    this.reloads.inc({ result: 'error' });
    this.stale.set(1);
  }
}
