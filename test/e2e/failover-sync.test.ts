import { describeGuest } from '../kernel/guest-suite.js';
import { LAB_MODULES } from './guest/e2e-lab.js';

// Long-lived connections through a director failover with the IPVS sync daemon.
await describeGuest('test/e2e/guest/failover-sync.guest.ts', LAB_MODULES);
