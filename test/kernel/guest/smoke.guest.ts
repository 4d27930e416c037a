import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

// The harness itself: the guest has a kernel with IPVS loaded and a writable /tmp.
it('has IPVS loaded', () => {
  expect(readFileSync('/proc/net/ip_vs', 'utf8')).toContain('IP Virtual Server version 1.2.1');
});
