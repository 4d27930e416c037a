import type { TestProject } from 'vitest/node';
import { ControlPlane } from './control-plane.js';
import { buildBinaries } from './binaries.js';
import { installCrds } from './cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Path of the kubeconfig of the shared API server; empty when the tier is skipped. */
    kubeconfig: string;
    /** Directory with bin/kube-apiserver and bin/etcd, for tests that run their own. */
    kubeBinDir: string;
  }
}

let plane: ControlPlane | undefined;

/**
 * Builds (or finds cached) kube-apiserver and etcd, starts them on loopback, installs the CRDs
 * and hands the kubeconfig to the test files. Without the binaries a developer machine skips
 * the tier loudly; under CI=true that is a failure.
 */
export async function setup(project: TestProject): Promise<void> {
  const started = Date.now();
  const bin = await buildBinaries();
  if (!bin) {
    project.provide('kubeconfig', '');
    project.provide('kubeBinDir', '');
    return;
  }
  plane = new ControlPlane({ kubeApiserver: `${bin}/bin/kube-apiserver`, etcd: `${bin}/bin/etcd` });
  try {
    await plane.start();
    await installCrds(plane.endpoint.kubeconfigPath);
  } catch (err) {
    console.error(`kube tier: control plane failed to start; logs were in ${plane.directory}`);
    await plane.stop({ keepDir: true });
    plane = undefined;
    throw err;
  }
  project.provide('kubeconfig', plane.endpoint.kubeconfigPath);
  project.provide('kubeBinDir', bin);
  console.warn(`kube tier: API server ${plane.endpoint.server} ready in ${Date.now() - started} ms`);
}

export async function teardown(): Promise<void> {
  await plane?.stop();
  plane = undefined;
}
