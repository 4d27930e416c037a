import { KubeConfig } from '@kubernetes/client-node';
import { LvsError } from '../core/index.js';

/** No cluster to talk to: neither a kubeconfig nor an in-cluster service account. */
export class KubeConfigError extends LvsError {
  constructor(message: string, cause?: unknown) {
    super('LVS_KUBE_CONFIG', message, { cause });
  }
}

/** The kubeconfig at `path`, or KUBECONFIG, ~/.kube/config, or the in-cluster service account. */
export function loadKubeConfig(path: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (path) kc.loadFromFile(path);
    else kc.loadFromDefault();
  } catch (err) {
    throw new KubeConfigError(`cannot load the kubeconfig${path ? ` ${path}` : ''}`, err);
  }
  if (!kc.getCurrentCluster()) throw new KubeConfigError('no Kubernetes cluster: pass --kubeconfig or run in a pod');
  return kc;
}
