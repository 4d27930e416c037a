import { describeGuest } from './guest-suite.js';

// One kernel: a standalone director with a VrrpGroup and a NAT VirtualServer over two real
// servers in namespaces, read with `lvsctl status` (JSON and table) under traffic and with one
// real server down.
await describeGuest('test/kernel/guest/lvsctl-status.guest.ts', ['ip_vs_wrr']);
