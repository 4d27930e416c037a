// The namespace lab is product code (the demo builds its topology with it); tests use the same.
export * from '../../src/lab/netns-lab.js';
