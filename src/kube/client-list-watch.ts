import { request } from 'node:https';
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { KubeApiError } from './errors.js';
import {
  collectionPath,
  type ListResult,
  type ListWatchClient,
  type ResourceRef,
  type WatchEvent,
} from './list-watch.js';

const LIST_TIMEOUT_MS = 60_000;
/** Server-side watch timeout; the server ends the stream and we resume from the last version. */
const WATCH_TIMEOUT_SECONDS = 300;
const WATCH_TYPES = new Set(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

/**
 * The real {@link ListWatchClient}: a plain GET for the list (with the credentials of the
 * KubeConfig, in-cluster tokens refreshed by the library) and client-node's Watch for the
 * stream, with bookmarks so a quiet watch still shows signs of life.
 */
export function createListWatchClient<T>(kc: KubeConfig, ref: ResourceRef): ListWatchClient<T> {
  const path = collectionPath(ref);
  const selectors: Record<string, string> = {
    ...(ref.labelSelector ? { labelSelector: ref.labelSelector } : {}),
    ...(ref.fieldSelector ? { fieldSelector: ref.fieldSelector } : {}),
  };
  const watcher = new Watch(kc);
  return {
    resource: ref.plural,
    list: () => listOnce<T>(kc, path, selectors, ref.plural),
    watch(resourceVersion, onEvent, onDone) {
      let aborted = false;
      let controller: AbortController | undefined;
      let done = false;
      const finish = (err?: unknown) => {
        if (done) return;
        done = true;
        onDone(err);
      };
      const query = {
        ...selectors,
        resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: WATCH_TIMEOUT_SECONDS,
      };
      // Settles when the stream is established (or failed); everything after goes through onDone.
      void watcher
        .watch(
          path,
          query,
          (type: string, object: unknown) => {
            if (!aborted && WATCH_TYPES.has(type)) onEvent({ type: type as WatchEvent['type'], object });
          },
          (err: unknown) => finish(err ?? undefined),
        )
        .then(
          (c) => {
            controller = c;
            if (aborted) c.abort();
          },
          (err: unknown) => finish(err),
        );
      return {
        abort() {
          aborted = true;
          controller?.abort();
          finish();
        },
      };
    },
  };
}

async function listOnce<T>(
  kc: KubeConfig,
  path: string,
  query: Record<string, string>,
  resource: string,
): Promise<ListResult<T>> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new KubeApiError(`list ${resource}`, undefined, 'no current cluster in the kubeconfig');
  const url = new URL(cluster.server + path);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const opts: Parameters<typeof request>[1] = { method: 'GET', headers: { accept: 'application/json' } };
  await kc.applyToHTTPSOptions(opts);
  const body = await new Promise<string>((resolve, reject) => {
    const req = request(url, { ...opts, timeout: LIST_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode === 200) resolve(text);
        else reject(new KubeApiError(`list ${resource}`, res.statusCode, reasonOf(text)));
      });
    });
    req.on('timeout', () => req.destroy(new KubeApiError(`list ${resource}`, undefined, 'timeout')));
    req.on('error', (err) =>
      reject(err instanceof KubeApiError ? err : new KubeApiError(`list ${resource}`, undefined, undefined, err)),
    );
    req.end();
  });
  const parsed = JSON.parse(body) as { items?: T[]; metadata?: { resourceVersion?: string } };
  return { items: parsed.items ?? [], resourceVersion: parsed.metadata?.resourceVersion ?? '' };
}

function reasonOf(text: string): string | undefined {
  try {
    const status = JSON.parse(text) as { reason?: unknown };
    return typeof status.reason === 'string' ? status.reason : undefined;
  } catch {
    return undefined;
  }
}
