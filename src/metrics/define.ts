import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * The one way instruments are defined: on a given registry (never prom-client's global one),
 * with name, help text and label names spelled out at the call so that a grep for a metric
 * name finds its definition. The label names type the instrument, so a call site passing a
 * label it does not have does not compile.
 */
export interface MetricDefiner {
  counter<L extends string = never>(name: string, help: string, labelNames?: readonly L[]): Counter<L>;
  gauge<L extends string = never>(name: string, help: string, labelNames?: readonly L[]): Gauge<L>;
  /** `buckets` are upper bounds, in seconds for a duration. */
  histogram<L extends string = never>(
    name: string,
    help: string,
    buckets: readonly number[],
    labelNames?: readonly L[],
  ): Histogram<L>;
}

/** Defines instruments on `registry`. */
export function metricsOn(registry: Registry): MetricDefiner {
  const registers = [registry];
  return {
    counter: (name, help, labelNames = []) => new Counter({ name, help, labelNames, registers }),
    gauge: (name, help, labelNames = []) => new Gauge({ name, help, labelNames, registers }),
    histogram: (name, help, buckets, labelNames = []) =>
      new Histogram({ name, help, labelNames, buckets: [...buckets], registers }),
  };
}
