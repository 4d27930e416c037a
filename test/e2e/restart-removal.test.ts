import { describeGuest } from '../kernel/guest-suite.js';
import { LAB_MODULES } from './guest/e2e-lab.js';

// Agents restarting under load and the removal of a VirtualServer, end to end.
await describeGuest('test/e2e/guest/restart-removal.guest.ts', LAB_MODULES);
