import { describeGuest } from './guest-suite.js';

// Real TCP traffic from a client namespace through IPVS NAT to two backend namespaces.
await describeGuest('test/kernel/guest/ipvs-traffic.guest.ts');
