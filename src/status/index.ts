// The public surface of src/status: what a node reports about the objects it runs (status
// items, issues) and the Events of its transitions. Pure; both node roles use it.
export * from './items.js';
export * from './node-events.js';
export * from './conditions.js';
export * from './document.js';
export * from './recent-events.js';
export * from './view.js';
export * from './palette.js';
