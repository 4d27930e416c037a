import { describeGuest } from '../kernel/guest-suite.js';
import { LAB_MODULES } from './guest/e2e-lab.js';

// Seed 000 end to end inside the kernel harness: DR + VRRP + lc + HTTP_GET + REDIRECT.
await describeGuest('test/e2e/guest/seed-000.guest.ts', LAB_MODULES);
