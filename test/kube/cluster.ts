import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ApiextensionsV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  loadAllYaml,
  PatchStrategy,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { waitFor } from './control-plane.js';

export const repoRoot = join(import.meta.dirname, '..', '..');

/** A KubeConfig loaded from a file. */
export function kubeConfigFrom(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

/**
 * Every document of a multi-document YAML file. Known kinds come back as client-node models:
 * the library serialises a request body through the model of its kind and silently drops
 * fields spelled as in YAML (`x-kubernetes-validations`, `default`, `enum` of a CRD schema).
 */
export async function readManifests(path: string): Promise<KubernetesObject[]> {
  const text = await readFile(path, 'utf8');
  return (loadAllYaml(text) as unknown[]).filter((v): v is KubernetesObject => v !== null && typeof v === 'object');
}

/** Server-side apply of one object with the given field manager. */
export async function apply(kc: KubeConfig, obj: KubernetesObject, fieldManager = 'lvs-operator-test') {
  const api = KubernetesObjectApi.makeApiClient(kc);
  return api.patch(obj, undefined, undefined, fieldManager, true, PatchStrategy.ServerSideApply);
}

/** Applies crds/*.yaml and waits until every CRD is Established. */
export async function installCrds(kubeconfigPath: string): Promise<string[]> {
  const kc = kubeConfigFrom(kubeconfigPath);
  const dir = join(repoRoot, 'crds');
  const names: string[] = [];
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort()) {
    for (const crd of await readManifests(join(dir, file))) {
      await apply(kc, crd);
      if (crd.metadata?.name) names.push(crd.metadata.name);
    }
  }
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  for (const name of names) {
    await waitFor(`CRD ${name} Established`, 30_000, async () => {
      const crd = await ext.readCustomResourceDefinition({ name });
      return (crd.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
    });
  }
  return names;
}

let namespaceCounter = 0;

/** Creates a namespace with a unique name and returns that name. */
export async function freshNamespace(kc: KubeConfig, prefix: string): Promise<string> {
  const name = `${prefix}-${process.pid}-${++namespaceCounter}`
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 63);
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
  return name;
}
