import { Registry, collectDefaultMetrics } from 'prom-client';
import { metricsOn } from './define.js';

/**
 * A fresh registry per process (or per test): nothing uses prom-client's global default
 * registry. Adds process metrics and `lvs_build_info`.
 */
export function createRegistry(opts: { version: string; commit?: string; processMetrics?: boolean }): Registry {
  const registry = new Registry();
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: registry });
  const info = metricsOn(registry).gauge('lvs_build_info', 'Build metadata of the running lvs-operator; always 1.', [
    'version',
    'commit',
  ]);
  info.set({ version: opts.version, commit: opts.commit ?? 'unknown' }, 1);
  return registry;
}
