import { describeGuest } from './guest-suite.js';

// One kernel for the realserver tier: the port contracts that need dummy, ipip or
// iptables-legacy, the dummy device mode, Tunnel mode with real ipip traffic, and REDIRECT
// through iptables where the kernel has no nftables NAT.
await describeGuest('test/kernel/guest/realserver.guest.ts', [
  'dummy',
  'ipip',
  'veth',
  'iptable_nat',
  'ip6table_nat',
  'xt_REDIRECT',
  'xt_tcpudp',
  'xt_sctp',
]);
