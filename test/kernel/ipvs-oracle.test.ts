import { describeGuest } from './guest-suite.js';

// ipvsadm against our netlink client and lvsctl ipvs list/save, inside a kernel with IPVS.
await describeGuest('test/kernel/guest/ipvs-oracle.guest.ts');
