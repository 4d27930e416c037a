import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { API_VERSION } from '../api/index.js';
import { canonicalJson } from './canonical-json.js';
import { KubeApiError } from './errors.js';
import { formatRef } from '../model/index.js';
import { customObjectCoordinates, type LvsObjectRef } from './object-ref.js';

/** Port: server-side apply of a status, under one field manager. */
export interface StatusApplier {
  applyStatus(ref: LvsObjectRef, status: unknown, fieldManager: string): Promise<void>;
}

/** The real {@link StatusApplier}: PATCH .../status with application/apply-patch+yaml, forced. */
export function createStatusApplier(kc: KubeConfig): StatusApplier {
  const api = kc.makeApiClient(CustomObjectsApi);
  const ssa = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
  return {
    async applyStatus(ref, status, fieldManager) {
      const body = {
        apiVersion: API_VERSION,
        kind: ref.kind,
        metadata: { name: ref.name, namespace: ref.namespace },
        status,
      };
      try {
        await api.patchNamespacedCustomObjectStatus(
          {
            ...customObjectCoordinates(ref.kind),
            namespace: ref.namespace,
            name: ref.name,
            body,
            fieldManager,
            force: true,
          },
          ssa,
        );
      } catch (err) {
        throw new KubeApiError(`apply status of ${formatRef(ref)}`, statusCodeOf(err), undefined, err);
      }
    },
  };
}

/** Outcome of {@link StatusWriter.write}. */
export type StatusWriteResult = 'written' | 'unchanged';

export interface StatusWriterOptions {
  readonly applier: StatusApplier;
  /** `lvs-operator/<node>` for a node's writer, `lvs-operator/controller` for the controller. */
  readonly fieldManager: string;
  readonly log: Logger;
  readonly onWrite?: (ref: LvsObjectRef, result: StatusWriteResult | 'error') => void;
}

/**
 * Writes the part of a status one writer owns, only when it differs from what this writer
 * last wrote. The status itself comes from a pure function of (spec, observed) in the caller;
 * this class only decides whether to send it. Server-side apply with the writer's own field
 * manager means two nodes never overwrite each other's items (the status lists are maps).
 */
export class StatusWriter {
  private readonly lastWritten = new Map<string, string>();
  private readonly log: Logger;

  constructor(private readonly opts: StatusWriterOptions) {
    this.log = opts.log.child({ component: 'status-writer', fieldManager: opts.fieldManager });
  }

  async write(ref: LvsObjectRef, status: unknown): Promise<StatusWriteResult> {
    const key = keyOf(ref);
    const text = canonicalJson(status);
    if (this.lastWritten.get(key) === text) {
      this.opts.onWrite?.(ref, 'unchanged');
      return 'unchanged';
    }
    try {
      await this.opts.applier.applyStatus(ref, status, this.opts.fieldManager);
    } catch (err) {
      this.lastWritten.delete(key);
      this.opts.onWrite?.(ref, 'error');
      throw err;
    }
    this.lastWritten.set(key, text);
    this.log.debug({ object: formatRef(ref) }, 'status written');
    this.opts.onWrite?.(ref, 'written');
    return 'written';
  }

  /** Forgets an object (deleted, or written by someone else): its next write goes out. */
  forget(ref: LvsObjectRef): void {
    this.lastWritten.delete(keyOf(ref));
  }
}

function keyOf(ref: LvsObjectRef): string {
  return `${ref.kind}/${ref.namespace}/${ref.name}/${ref.uid ?? ''}`;
}

/** The HTTP status of a client-node ApiException, if any. */
export function statusCodeOf(err: unknown): number | undefined {
  if (err !== null && typeof err === 'object' && 'code' in err && typeof err.code === 'number') return err.code;
  return undefined;
}
