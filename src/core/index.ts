// The public surface of src/core: what every folder may use. The fake clock is for tests and
// is imported by path.
export * from './atomic-file.js';
export * from './clip.js';
export * from './clock.js';
export * from './defined.js';
export * from './errors.js';
export * from './event-stream.js';
export * from './log-rate-limit.js';
export * from './logger.js';
export * from './regular-file.js';
export * from './shared-result.js';
