import { describeGuest } from '../kernel/guest-suite.js';
import { LAB_MODULES } from './guest/e2e-lab.js';

// The VIP-path probe end to end: a DR real server that never took the VIP gets no traffic.
await describeGuest('test/e2e/guest/vip-path.guest.ts', LAB_MODULES);
