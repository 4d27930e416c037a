import { describeGuest } from '../kernel/guest-suite.js';
import { LAB_MODULES } from './guest/e2e-lab.js';

// Seed 001 end to end inside the kernel harness: DR + rr + VIP on lo, two VRRP directors.
await describeGuest('test/e2e/guest/seed-001.guest.ts', LAB_MODULES);
