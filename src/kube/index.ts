// The public surface of src/kube: informers, status, Events, finalizers and leases over
// @kubernetes/client-node. Fakes (fake-*.ts) are not exported.
export * from './backoff.js';
export * from './canonical-json.js';
export * from './client-list-watch.js';
export * from './conditions.js';
export * from './errors.js';
export * from './event-recorder.js';
export * from './finalizers.js';
export * from './lease-decision.js';
export * from './leader-elector.js';
export * from './list-watch.js';
export * from './metrics.js';
export * from './object-ref.js';
export * from './object-store.js';
export * from './resilient-informer.js';
export * from './status-writer.js';
export * from './kube-config.js';
export * from './node-status.js';
