// The public surface of src/model: the normalised model the roles consume, and how it is built.
export * from './refs.js';
export * from './types.js';
export {
  normaliseGroup,
  normaliseService,
  selectedRealServers,
  DEFAULT_ACCEPT_VIP,
  type SecretResolver,
} from './normalise.js';
export { normaliseCheck, type CheckedServer, type NormaliseOptions, type NormaliseResult } from './health-checks.js';
export { ModelCache, buildModel } from './model-cache.js';
export { unsupportedSettings } from './unsupported.js';
