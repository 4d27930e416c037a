import { describeGuest } from '../kernel/guest-suite.js';
import { LAB_MODULES } from './guest/e2e-lab.js';

// Graceful stop, restart and drain on the director, end to end.
await describeGuest('test/e2e/guest/graceful.guest.ts', LAB_MODULES);
