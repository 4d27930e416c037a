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
  type VrrpGroup,
} from '../api/index.js';
import type { Clock } from '../core/index.js';
import {
  createListWatchClient,
  ResilientInformer,
  type InformerMetrics,
  type ListWatchClient,
  type StoredObject,
} from '../kube/index.js';
import { SECRET_FIELD_SELECTOR, SecretCollection, type SecretReading } from './kube-secrets.js';

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

/** A valid VrrpGroup left out because the Secrets of its namespace cannot be read. */
export interface SecretUnavailable {
  readonly group: VrrpGroup;
  /** Why, as a sentence for an Event: never a Secret's content. */
  readonly message: string;
}

/** What the cluster asks for right now. */
export interface KubeSnapshot {
  /** Valid objects that passed the cross-object checks, oldest first; referenced Secrets included. */
  readonly objects: readonly ManifestObject[];
  readonly rejected: readonly KubeRejection[];
  /** Groups that need a Secret this source cannot read now (left out of `objects`). */
  readonly secretUnavailable: readonly SecretUnavailable[];
  readonly nodes: readonly KubeNode[];
}

interface RawObject extends StoredObject {
  apiVersion?: string;
  kind?: string;
  metadata?: StoredObject['metadata'] & { creationTimestamp?: string | Date; generation?: number };
  spec?: { authentication?: { secretRef?: { name?: string } } };
  type?: unknown;
}

/** Builds the list/watch client of one collection; tests swap in fakes. */
export type ClientFactory = (
  group: string,
  version: string,
  plural: string,
  namespace: string | undefined,
  fieldSelector?: string,
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
  /** How Secrets are read (default `watch`): see {@link SecretReading}. */
  readonly secrets?: SecretReading;
  /** Read the Secrets of these namespaces only (namespaced RBAC); default: all, or `namespace`. */
  readonly secretNamespaces?: readonly string[];
}

/** The client factory over a KubeConfig. */
export function kubeClients(kc: KubeConfig): ClientFactory {
  return (group, version, plural, namespace, fieldSelector) =>
    createListWatchClient<RawObject>(kc, {
      group,
      version,
      plural,
      ...(namespace ? { namespace } : {}),
      ...(fieldSelector ? { fieldSelector } : {}),
    });
}

/**
 * Desired state from the cluster: resilient informers for VrrpGroups, VirtualServers,
 * RealServers and Nodes, plus the Secrets of our type (see {@link SecretCollection}), turned
 * into the same validated model a manifest folder gives. A Secret collection that cannot be
 * listed (403) holds nothing else up: the groups that need it are reported, the rest runs. Objects are validated one by one (as an entry point must: the API server's schema
 * may be older than ours), then across each other, oldest first, so a newer conflicting
 * object is the one rejected. Listeners hear about changes once per batch of events.
 */
export class KubeSource {
  private readonly informers: Map<Kind | 'Node', ResilientInformer<RawObject>>;
  private readonly secrets: SecretCollection<RawObject>;
  private readonly listeners: (() => void)[] = [];
  private notifyQueued = false;
  /**
   * Each stored object's validation, kept while the informer holds that object: the store
   * replaces an object for every new version, so only changed objects are validated again.
   */
  private readonly checked = new WeakMap<RawObject, Checked>();

  constructor(private readonly opts: KubeSourceOptions) {
    const informer = (client: ListWatchClient<RawObject>, onError?: (err: unknown) => void) =>
      new ResilientInformer<RawObject>({
        client,
        clock: opts.clock,
        log: opts.log,
        ...(opts.metrics ? { metrics: opts.metrics } : {}),
        ...(opts.watchdogMs === undefined ? {} : { watchdogMs: opts.watchdogMs }),
        ...(opts.resyncMs === undefined ? {} : { resyncMs: opts.resyncMs }),
        ...(onError ? { onError } : {}),
      });
    this.informers = new Map<Kind | 'Node', ResilientInformer<RawObject>>([
      ...KINDS.map((k) => [k.kind, informer(opts.clients(GROUP, VERSION, k.plural, opts.namespace))] as const),
      ['Node', informer(opts.clients('', 'v1', 'nodes', undefined))],
    ]);
    for (const inf of this.informers.values()) inf.on(() => this.queueNotify());
    this.secrets = new SecretCollection<RawObject>({
      reading: opts.secrets ?? 'watch',
      namespaces: opts.secretNamespaces ?? [opts.namespace],
      informer: (ns, onError) => informer(opts.clients('', 'v1', 'secrets', ns, SECRET_FIELD_SELECTOR), onError),
      log: opts.log,
      onChange: () => this.queueNotify(),
    });
  }

  start(): void {
    for (const inf of this.informers.values()) inf.start();
    this.secrets.start();
  }

  stop(): void {
    for (const inf of this.informers.values()) inf.stop();
    this.secrets.stop();
  }

  /**
   * Resolves once every collection has been listed, and the Secrets listed or found failing;
   * before that a snapshot is incomplete.
   */
  async waitForSync(): Promise<void> {
    await Promise.all([...[...this.informers.values()].map((i) => i.waitForSync()), this.secrets.waitForSettled()]);
  }

  get hasSynced(): boolean {
    return [...this.informers.values()].every((i) => i.hasSynced) && this.secrets.settled;
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
    // Groups whose Secrets cannot be read, by index in `valid`: they take part in the
    // cross-object checks (a VirtualServer that refers to one stays valid), then are left out.
    const unavailable = new Map<number, SecretUnavailable>();
    const wanted = new Map<string, RawObject>();
    for (const { typed, result } of raw) {
      if (!result.ok) {
        rejected.push(rejectionOf(typed, 'invalid', result.issues));
        continue;
      }
      const o = result.object;
      if (o.kind === 'VrrpGroup' && o.spec.authentication) {
        const ns = o.metadata.namespace;
        const why = this.secrets.unavailable(ns);
        if (why !== undefined) unavailable.set(valid.length, { group: o, message: why });
        // Only Secrets that a group references: the rest of the namespace is none of our business.
        const name = o.spec.authentication.secretRef.name;
        const secret = why === undefined ? this.secrets.find(ns, name) : undefined;
        if (secret) wanted.set(`${ns}/${name}`, secret);
      }
      valid.push(o);
    }
    for (const s of wanted.values()) {
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
    const objects = valid.filter((_, i) => !crossRejected.has(i) && !unavailable.has(i));
    const secretUnavailable = [...unavailable].filter(([i]) => !crossRejected.has(i)).map(([, u]) => u);
    const nodes = this.list('Node').map((n) => ({
      name: n.metadata?.name ?? '',
      labels: (n.metadata as { labels?: Record<string, string> } | undefined)?.labels ?? {},
    }));
    return { objects, rejected, secretUnavailable, nodes };
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

  private list(kind: Kind | 'Node'): RawObject[] {
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
