// The public surface of src/controller: the leader-elected cluster-wide role.
export * from './controller.js';
export * from './metrics.js';
export * from './plan-pass.js';
