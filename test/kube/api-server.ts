import { describe, inject } from 'vitest';

/**
 * A `describe` for suites that need the shared API server of the global setup. The setup only
 * leaves the kubeconfig empty when it was allowed to skip (no Go toolchain, CI unset), and this
 * skips loudly in that case.
 */
export function describeWithApiServer(name: string, fn: (kubeconfigPath: string) => void): void {
  const kubeconfig = inject('kubeconfig');
  if (kubeconfig) {
    describe(name, () => fn(kubeconfig));
    return;
  }
  console.warn(`\n*** SKIPPED (no API server binaries): ${name} ***\n`);
  describe.skip(name, () => fn(''));
}
