import { defineConfig } from 'vitest/config';

// One project per tier. Tiers that need root, namespaces, a kernel or an API server decide in
// test/support/privileges.ts whether to run or to skip loudly (never under CI=true).
export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 20_000 } },
      {
        test: {
          name: 'netns',
          include: ['test/netns/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'kernel',
          include: ['test/kernel/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'kube',
          include: ['test/kube/**/*.test.ts'],
          // Builds or finds the cached kube-apiserver and etcd, starts them, installs the CRDs.
          globalSetup: ['test/kube/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 900_000,
          hookTimeout: 600_000,
          fileParallelism: false,
          // One kernel at a time: each file boots its own, and the failover bounds are timed.
          maxWorkers: 1,
        },
      },
    ],
  },
});
