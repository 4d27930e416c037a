import { describeGuest } from './guest-suite.js';

// One kernel: `lvsctl plan` against a running standalone director for a corpus of manifest
// edits, each prediction judged by ipvsadm replaying it against the table the director left.
await describeGuest('test/kernel/guest/lvsctl-plan.guest.ts', ['ip_vs_rr', 'ip_vs_wrr', 'ip_vs_wlc']);
