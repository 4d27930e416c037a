import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import {
  API_VERSION,
  crossCheck,
  GROUP,
  KINDS,
  validateObject,
  VERSION,
  type FieldIssue,
  type Kind,
  type ManifestObject,
  type ValidationResult,
} from '../api/index.js';
import type { Clock } from '../core/clock.js';
import {
  createListWatchClient,
  ResilientInformer,
  type InformerMetrics,
  type ListWatchClient,
  type StoredObject,
} from '../kube/index.js';

/** An object of ours (or a Secret) the API server holds but that cannot be used. */
export interface KubeRejection {
  readonly kind: Kind | 'Secret';
  readonly namespace: string;
  readonly name: string;
  readonly generation: number | undefined;
  /** `invalid`: the object alone is wrong; `conflict`: it clashes with an older object. */
  readonly cause: 'invalid' | 'conflict';
  readonly issues: readonly FieldIssue[];
}

/** A node as the roles need it: for nodeSelectors and per-node overrides. */
export interface KubeNode {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** What the cluster asks for right now. */
export interface KubeSnapshot {
  /** Valid objects that passed the cross-object checks, oldest first; referenced Secrets included. */
  readonly objects: readonly ManifestObject[];
  readonly rejected: readonly KubeRejection[];
  readonly nodes: readonly KubeNode[];
}

interface RawObject extends StoredObject {
  apiVersion?: string;
  kind?: string;
  metadata?: StoredObject['metadata'] & { creationTimestamp?: string | Date; generation?: number };
  spec?: { authentication?: { secretRef?: { name?: string } } };
}

/** Builds the list/watch client of one collection; tests swap in fakes. */
export type ClientFactory = (
  group: string,
  version: string,
  plural: string,
  namespace: string | undefined,
) => ListWatchClient<RawObject>;

export interface KubeSourceOptions {
  readonly clock: Clock;
  readonly log: Logger;
  /** Watch one namespace only; all namespaces when absent. */
  readonly namespace?: string;
  readonly metrics?: InformerMetrics;
  readonly watchdogMs?: number;
  readonly resyncMs?: number;
  readonly clients: ClientFactory;
}

/** The client factory over a KubeConfig. */
export function kubeClients(kc: KubeConfig): ClientFactory {
  return (group, version, plural, namespace) =>
    createListWatchClient<RawObject>(kc, { group, version, plural, ...(namespace ? { namespace } : {}) });
}

/**
 * Desired state from the cluster: resilient informers for VrrpGroups, VirtualServers,
 * RealServers, Secrets and Nodes, turned into the same validated model a manifest folder
 * gives. Objects are validated one by one (as an entry point must: the API server's schema
 * may be older than ours), then across each other, oldest first, so a newer conflicting
 * object is the one rejected. Listeners hear about changes once per batch of events.
 */
export class KubeSource {
  private readonly informers: Map<Kind | 'Secret' | 'Node', ResilientInformer<RawObject>>;
  private readonly listeners: (() => void)[] = [];
  private notifyQueued = false;
  /**
   * Each stored object's validation, kept while the informer holds that object: the store
   * replaces an object for every new version, so only changed objects are validated again.
   */
  private readonly checked = new WeakMap<RawObject, Checked>();

  constructor(private readonly opts: KubeSourceOptions) {
    const informer = (group: string, version: string, plural: string, namespaced: boolean) =>
      new ResilientInformer<RawObject>({
        client: opts.clients(group, version, plural, namespaced ? opts.namespace : undefined),
        clock: opts.clock,
        log: opts.log,
        ...(opts.metrics ? { metrics: opts.metrics } : {}),
        ...(opts.watchdogMs === undefined ? {} : { watchdogMs: opts.watchdogMs }),
        ...(opts.resyncMs === undefined ? {} : { resyncMs: opts.resyncMs }),
      });
    this.informers = new Map<Kind | 'Secret' | 'Node', ResilientInformer<RawObject>>([
      ...KINDS.map((k) => [k.kind, informer(GROUP, VERSION, k.plural, true)] as const),
      ['Secret', informer('', 'v1', 'secrets', true)],
      ['Node', informer('', 'v1', 'nodes', false)],
    ]);
    for (const inf of this.informers.values()) inf.on(() => this.queueNotify());
  }

  start(): void {
    for (const inf of this.informers.values()) inf.start();
  }

  stop(): void {
    for (const inf of this.informers.values()) inf.stop();
  }

  /** Resolves once every collection has been listed; before that a snapshot is incomplete. */
  async waitForSync(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync()));
  }

  get hasSynced(): boolean {
    return [...this.informers.values()].every((i) => i.hasSynced);
  }

  /** Called (asynchronously, once per batch) after any change. Returns an unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  snapshot(): KubeSnapshot {
    const raw = KINDS.flatMap((k) => this.list(k.kind).map((o) => this.check(o, API_VERSION, k.kind)));
    raw.sort((a, b) => byAge(a.typed, b.typed));
    const rejected: KubeRejection[] = [];
    const valid: ManifestObject[] = [];
    for (const { typed, result } of raw) {
      if (result.ok) valid.push(result.object);
      else rejected.push(rejectionOf(typed, 'invalid', result.issues));
    }
    // Only Secrets that a group references: the rest of the namespace is none of our business.
    const wanted = new Set(
      valid.flatMap((o) =>
        o.kind === 'VrrpGroup' && o.spec.authentication
          ? [`${o.metadata.namespace}/${o.spec.authentication.secretRef.name}`]
          : [],
      ),
    );
    for (const s of this.list('Secret')) {
      if (!wanted.has(`${s.metadata?.namespace ?? ''}/${s.metadata?.name ?? ''}`)) continue;
      const { typed, result } = this.check(s, 'v1', 'Secret');
      if (result.ok) valid.push(result.object);
      else rejected.push(rejectionOf(typed, 'invalid', result.issues));
    }
    const crossRejected = new Map<number, FieldIssue[]>();
    for (const issue of crossCheck(valid)) {
      if (issue.severity !== 'error') continue;
      crossRejected.set(issue.index, [...(crossRejected.get(issue.index) ?? []), issue]);
    }
    for (const [index, issues] of crossRejected) {
      const o = valid[index];
      if (o) rejected.push(rejectionOf(o as RawObject, 'conflict', issues));
    }
    const objects = valid.filter((_, i) => !crossRejected.has(i));
    const nodes = this.list('Node').map((n) => ({
      name: n.metadata?.name ?? '',
      labels: (n.metadata as { labels?: Record<string, string> } | undefined)?.labels ?? {},
    }));
    return { objects, rejected, nodes };
  }

  /** The object as the API server last reported it (status and managedFields included). */
  cached(kind: Kind, namespace: string, name: string): unknown {
    return this.informers.get(kind)?.get(name, namespace);
  }

  /** Every cached object of one of our kinds, valid or not, deleting or not (with managedFields). */
  cachedList(kind: Kind): readonly unknown[] {
    return this.list(kind);
  }

  private check(obj: RawObject, apiVersion: string, kind: string): Checked {
    let checked = this.checked.get(obj);
    if (!checked) {
      const typed = withType(obj, apiVersion, kind);
      checked = { typed, result: validateObject(typed) };
      this.checked.set(obj, checked);
    }
    return checked;
  }

  private list(kind: Kind | 'Secret' | 'Node'): RawObject[] {
    return this.informers.get(kind)?.list() ?? [];
  }

  private queueNotify(): void {
    if (this.notifyQueued) return;
    this.notifyQueued = true;
    queueMicrotask(() => {
      this.notifyQueued = false;
      for (const l of [...this.listeners]) {
        try {
          l();
        } catch (err) {
          this.opts.log.error({ err }, 'kube source listener threw');
        }
      }
    });
  }
}

/** A stored object with its type filled in, and what validating it gave. */
interface Checked {
  readonly typed: RawObject;
  readonly result: ValidationResult;
}

/** List items of core collections carry no apiVersion/kind; validation needs them. */
function withType(obj: RawObject, apiVersion: string, kind: string): RawObject {
  return obj.apiVersion && obj.kind ? obj : { ...obj, apiVersion, kind };
}

function byAge(a: RawObject, b: RawObject): number {
  const ta = String(a.metadata?.creationTimestamp ?? '');
  const tb = String(b.metadata?.creationTimestamp ?? '');
  if (ta !== tb) return ta < tb ? -1 : 1;
  const ka = `${a.kind}/${a.metadata?.namespace}/${a.metadata?.name}`;
  const kb = `${b.kind}/${b.metadata?.namespace}/${b.metadata?.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function rejectionOf(obj: RawObject, cause: KubeRejection['cause'], issues: readonly FieldIssue[]): KubeRejection {
  return {
    cause,
    kind: (obj.kind ?? 'Secret') as Kind | 'Secret',
    namespace: obj.metadata?.namespace ?? '',
    name: obj.metadata?.name ?? '',
    generation: obj.metadata?.generation,
    issues,
  };
}

/**
 * True when the object is being deleted (it has a deletionTimestamp and waits for finalizers):
 * the roles treat it as gone, remove what they programmed for it and withdraw their status.
 */
export function isDeleting(obj: ManifestObject): boolean {
  return (obj.metadata as { deletionTimestamp?: unknown }).deletionTimestamp != null;
}
