// The public surface of src/lab: network-namespace labs (the netns tests and the demo).
export * from './netns-lab.js';
