// The public surface of src/metrics: the process registry, the metric definer, the /metrics
// server and the IPVS traffic collector.
export * from './define.js';
export * from './ipvs-traffic.js';
export * from './registry.js';
export * from './server.js';
