import { describe } from 'vitest';

/** True when this process can create namespaces and touch the kernel (root). */
export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
export const isCI = process.env['CI'] === 'true';

/**
 * A `describe` for tests that need root. On a developer machine without root the suite is
 * skipped with a loud message; under CI=true a missing privilege is a failure, never a skip.
 */
export function describeAsRoot(name: string, fn: () => void): void {
  if (isRoot) {
    describe(name, fn);
    return;
  }
  if (isCI) {
    describe(name, () => {
      throw new Error(`${name}: needs root, and CI=true forbids skipping`);
    });
    return;
  }
  console.warn(`\n*** SKIPPED (needs root): ${name} ***\n`);
  describe.skip(name, fn);
}
