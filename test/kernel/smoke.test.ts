import { describeGuest } from './guest-suite.js';
await describeGuest('test/kernel/guest/smoke.guest.ts');
