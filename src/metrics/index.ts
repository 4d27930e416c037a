// The public surface of src/metrics: the process registry, the metric definer and the /metrics
// server.
export * from './define.js';
export * from './registry.js';
export * from './server.js';
