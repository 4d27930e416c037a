import { describeGuest } from './guest-suite.js';

// One kernel: a standalone director with traffic, scraped by a real Prometheus that loads the
// chart's alert rules; every dashboard panel's queries answered.
await describeGuest('test/kernel/guest/prometheus.guest.ts', ['ip_vs_rr', 'veth']);
