import { describeGuest } from './guest-suite.js';

// One kernel for the realserver tier: the port contracts that need dummy and ipip, the dummy
// device mode, and Tunnel mode with real ipip traffic.
await describeGuest('test/kernel/guest/realserver.guest.ts', ['dummy', 'ipip', 'veth']);
