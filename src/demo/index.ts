// The public surface of src/demo: the demo's world, its scripted scenario and timelines.
export { runScenario, type DemoSummary } from './script.js';
export { FULL_TIMELINE, QUICK_TIMELINE } from './timeline.js';
export { DemoWorld } from './world.js';
