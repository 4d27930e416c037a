import type { Registry } from 'prom-client';
import { metricsOn, type MetricDefiner } from '../metrics/index.js';

/** lvs_config_* instruments of a manifest source, behind intent-named methods. */
export class SourceMetrics {
  /** The instruments, defined in `instruments` below. */
  private readonly m: ReturnType<typeof instruments>;

  constructor(registry: Registry) {
    this.m = instruments(metricsOn(registry));
  }

  reloaded(
    result: 'ok' | 'invalid' | 'error',
    kinds: Readonly<Record<string, number>>,
    errors: number,
    warnings: number,
    stale: boolean,
  ): void {
    this.m.reloads.inc({ result });
    this.m.objects.reset();
    for (const [kind, n] of Object.entries(kinds)) this.m.objects.set({ kind }, n);
    this.m.problems.set({ severity: 'error' }, errors);
    this.m.problems.set({ severity: 'warning' }, warnings);
    this.m.stale.set(stale ? 1 : 0);
    this.m.up.set(1);
  }

  /** The source could not be read at all; its last good state stays in use. */
  unavailable(): void {
    this.m.reloads.inc({ result: 'unavailable' });
    this.m.stale.set(1);
    this.m.up.set(0);
  }

  failed(): void {
    this.m.reloads.inc({ result: 'error' });
    this.m.stale.set(1);
  }
}

/** The instruments, each defined once; their label names type them. */
function instruments({ counter, gauge }: MetricDefiner) {
  return {
    stale: gauge(
      'lvs_config_stale',
      '1 while some objects are invalid and their last good version is in use, or a reload failed.',
    ),
    reloads: counter('lvs_config_reloads_total', 'Reloads of the configuration source by result.', ['result']),
    objects: gauge('lvs_config_objects', 'Valid objects in effect, by kind.', ['kind']),
    problems: gauge('lvs_config_diagnostics', 'Problems found in the configuration at the last reload, by severity.', [
      'severity',
    ]),
    up: gauge(
      'lvs_config_source_up',
      '1 while the configuration source can be read; 0 while it is unavailable (missing or unreadable folder) and the last good state is in use.',
    ),
  };
}
