import { describeGuest } from './guest-suite.js';

// One kernel: `lvs-operator standalone --role director` as a real process, its manifest folder
// taken away and returned, a FIFO dropped in, judged by ipvsadm.
await describeGuest('test/kernel/guest/standalone-folder.guest.ts', ['ip_vs_rr', 'ip_vs_wlc']);
