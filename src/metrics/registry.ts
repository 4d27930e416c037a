import { Registry, collectDefaultMetrics, Gauge } from 'prom-client';

/**
 * A fresh registry per process (or per test): nothing uses prom-client's global default
 * registry. Adds process metrics and `lvs_build_info`.
 */
export function createRegistry(opts: { version: string; commit?: string; processMetrics?: boolean }): Registry {
  const registry = new Registry();
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: registry });
  const info = new Gauge({
    name: 'lvs_build_info',
    help: 'Build metadata of the running lvs-operator; always 1.',
    labelNames: ['version', 'commit'],
    registers: [registry],
  });
  info.set({ version: opts.version, commit: opts.commit ?? 'unknown' }, 1);
  return registry;
}
