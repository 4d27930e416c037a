import { describeGuest } from './guest-suite.js';

// Ownership against the kernel: a foreign service left exactly as it is, a read-only state directory.
await describeGuest('test/kernel/guest/ipvs-ownership.guest.ts');
