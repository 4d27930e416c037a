import { describeGuest } from './guest-suite.js';

// The reconciler against the kernel table: convergence, ownership, restarts.
await describeGuest('test/kernel/guest/ipvs-reconciler.guest.ts');
