import { LvsError } from '../core/index.js';

/** A request to the API server failed; `status` is the HTTP status when there was one. */
export class KubeApiError extends LvsError {
  readonly op: string;
  readonly status: number | undefined;
  readonly reason: string | undefined;

  constructor(op: string, status: number | undefined, reason: string | undefined, cause?: unknown) {
    super(
      'LVS_KUBE_API',
      `kubernetes ${op} failed${status === undefined ? '' : ` (${status}${reason ? ` ${reason}` : ''})`}`,
      { cause },
    );
    this.op = op;
    this.status = status;
    this.reason = reason;
  }
}

/** The resourceVersion a watch resumed from is gone from the server's history (HTTP 410). */
export class KubeGoneError extends LvsError {
  constructor(readonly resource: string) {
    super('LVS_KUBE_GONE', `watch of ${resource} expired (410 Gone); a relist is needed`);
  }
}

/** A list or a watch stayed silent longer than its deadline. */
export class KubeStallError extends LvsError {
  constructor(
    readonly resource: string,
    readonly what: 'list' | 'watch',
    readonly afterMs: number,
  ) {
    super('LVS_KUBE_STALL', `${what} of ${resource} made no progress for ${afterMs} ms`);
  }
}

/** Leadership was lost or could not be kept. */
export class LeaseLostError extends LvsError {
  constructor(readonly lease: string) {
    super('LVS_KUBE_LEASE_LOST', `lost the lease ${lease}`);
  }
}
