import { describeGuest } from './guest-suite.js';

// The VIP-path probe for TUN real servers needs ipip, which the host kernel lacks.
await describeGuest('test/kernel/guest/vip-path-tun.guest.ts', ['veth', 'bridge', 'ipip']);
