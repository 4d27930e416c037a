import { describeGuest } from '../kernel/guest-suite.js';
import { LAB_MODULES } from './guest/e2e-lab.js';

// Seed 003 end to end inside the kernel harness (NAT).
await describeGuest('test/e2e/guest/seed-003.guest.ts', LAB_MODULES);
