import { defineConfig } from 'vitest/config';

// The vitest configuration used inside the kernel harness (hack/uml/run.sh or a native network
// namespace): it runs the guest halves of test/kernel/ in one process, one file at a time,
// because they share the kernel's single IPVS table.
// eslint-disable-next-line no-restricted-syntax -- vitest reads a configuration file's default export.
export default defineConfig({
  test: {
    include: ['test/kernel/guest/**/*.guest.ts', 'test/e2e/guest/**/*.guest.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    pool: 'threads',
    maxWorkers: 1,
    isolate: false,
  },
});
