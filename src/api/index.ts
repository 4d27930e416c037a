// The public surface of src/api: schemas, types, defaults and CRD generation.
export * from './address.js';
export * from './duration.js';
export * from './primitives.js';
export * from './rules.js';
export * from './health-check.js';
export * from './vrrp-group.js';
export * from './real-server.js';
export * from './virtual-server.js';
export * from './objects.js';
export * from './crd.js';
export * from './crd-render.js';
export * from './secret.js';
export * from './selector.js';
export * from './validate.js';
export * from './cross-check.js';
export * from './reference.js';
export * from './vip-policy.js';
