import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repoRoot = join(import.meta.dirname, '..', '..');

/**
 * The directory with bin/kube-apiserver and bin/etcd: LVS_KUBE_BIN_DIR when set, else what
 * hack/kube/build.sh builds or finds in its cache. Undefined means "skip" (no Go toolchain on a
 * developer machine); under CI=true a failed build throws instead.
 */
export async function buildBinaries(): Promise<string | undefined> {
  const given = process.env['LVS_KUBE_BIN_DIR'];
  if (given) {
    if (!existsSync(join(given, 'bin', 'kube-apiserver'))) throw new Error(`${given}/bin/kube-apiserver not found`);
    return given;
  }
  try {
    const child = run('bash', [join(repoRoot, 'hack', 'kube', 'build.sh')], {
      maxBuffer: 1 << 20,
      timeout: 45 * 60_000,
    });
    // Build progress goes straight to the terminal: a cold build takes minutes.
    child.child.stderr?.pipe(process.stderr);
    const { stdout } = await child;
    return stdout.trim().split('\n').pop();
  } catch (err) {
    if (process.env['CI'] === 'true') throw err;
    console.warn(`\n*** SKIPPED kube tier: hack/kube/build.sh failed (${String(err)}) ***\n`);
    return undefined;
  }
}
