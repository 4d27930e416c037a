import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { expect, it } from 'vitest';
import { describeWithApiServer } from './api-server.js';
import { freshNamespace, kubeConfigFrom, repoRoot } from './cluster.js';
import { waitFor } from './control-plane.js';

describeWithApiServer('lvs-operator controller (the process)', (kubeconfigPath) => {
  it('takes the Lease, serves /readyz, and releases the Lease on SIGTERM', async () => {
    const kc = kubeConfigFrom(kubeconfigPath);
    const ns = await freshNamespace(kc, 'cli');
    const leases = kc.makeApiClient(CoordinationV1Api);
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(repoRoot, 'src/cli/lvs-operator.ts'),
        'controller',
        `--kubeconfig=${kubeconfigPath}`,
        `--lease-namespace=${ns}`,
        `--namespace=${ns}`,
        '--identity=cli-test',
        '--metrics-address=127.0.0.1:0',
        '--log-level=info',
      ],
      { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor('the Lease', 30_000, async () => {
        try {
          const lease = await leases.readNamespacedLease({ name: 'lvs-operator-controller', namespace: ns });
          return lease.spec?.holderIdentity === 'cli-test';
        } catch {
          return false;
        }
      });
      const url = /"metrics":"(http:\/\/[^"]+)"/.exec(stderr)?.[1];
      expect(url, stderr).toBeDefined();
      await waitFor('/readyz', 10_000, async () => (await fetch(`${url}/readyz`)).status === 200);
      expect((await (await fetch(`${url}/metrics`)).text()).includes('lvs_controller_leader 1')).toBe(true);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, stderr).toBe(0);
    const lease = await leases.readNamespacedLease({ name: 'lvs-operator-controller', namespace: ns });
    expect(lease.spec?.holderIdentity ?? '', stderr).toBe('');
  });
});
