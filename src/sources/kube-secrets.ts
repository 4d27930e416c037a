import type { Logger } from 'pino';
import { SECRET_TYPE } from '../api/index.js';
import { messageOf } from '../core/index.js';
import type { ResilientInformer, StoredObject } from '../kube/index.js';

/**
 * How a role reads Secrets:
 * - `watch`: informers on the Secrets of type {@link SECRET_TYPE} only (a field selector, so
 *   the API server never sends another Secret);
 * - `off`: none (chart value rbac.readSecrets=false); groups that need a Secret are reported;
 * - `none`: none, and no group is reported (roles that never use a Secret: realserver, controller).
 */
export type SecretReading = 'watch' | 'off' | 'none';

/** The field selector of every Secret list and watch. */
export const SECRET_FIELD_SELECTOR = `type=${SECRET_TYPE}`;

export interface SecretCollectionOptions<T extends StoredObject> {
  readonly reading: SecretReading;
  /** Namespaces whose Secrets are read, one informer each; `[undefined]` is every namespace. */
  readonly namespaces: readonly (string | undefined)[];
  /** Builds the informer of one namespace (undefined: all); `onError` hears its failures. */
  readonly informer: (namespace: string | undefined, onError: (err: unknown) => void) => ResilientInformer<T>;
  readonly log: Logger;
  /** Called when what {@link SecretCollection.unavailable} answers may have changed. */
  readonly onChange: () => void;
}

/**
 * The Secrets a role may read, kept apart from the other collections so that a forbidden or
 * failing Secret list never holds them up: the collection is "settled" once every informer has
 * either listed or failed, and a failing one keeps retrying in the background while the groups
 * that need a Secret are reported as unavailable.
 */
export class SecretCollection<T extends StoredObject & { type?: unknown }> {
  private readonly informers = new Map<string | undefined, ResilientInformer<T>>();
  private readonly failing = new Set<string | undefined>();
  private readonly settledWaiters: (() => void)[] = [];
  private readonly log: Logger;

  constructor(private readonly opts: SecretCollectionOptions<T>) {
    this.log = opts.log.child({ component: 'secrets' });
    if (opts.reading !== 'watch') return;
    for (const ns of opts.namespaces) {
      const inf = opts.informer(ns, (err) => this.onError(ns, err));
      inf.on(() => opts.onChange());
      void inf.waitForSync().then(() => this.onListed(ns));
      this.informers.set(ns, inf);
    }
  }

  start(): void {
    for (const inf of this.informers.values()) inf.start();
  }

  stop(): void {
    for (const inf of this.informers.values()) inf.stop();
  }

  /** True once every informer has listed or failed at least once (always true when not watching). */
  get settled(): boolean {
    return [...this.informers.entries()].every(([ns, inf]) => inf.hasSynced || this.failing.has(ns));
  }

  waitForSettled(): Promise<void> {
    if (this.settled) return Promise.resolve();
    return new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  /** The Secret of this type, or undefined; a Secret of any other type is never returned. */
  find(namespace: string, name: string): T | undefined {
    const inf = this.informers.get(namespace) ?? this.informers.get(undefined);
    const s = inf?.get(name, namespace);
    // Defence in depth: the field selector already keeps other types away.
    return s?.type === SECRET_TYPE ? s : undefined;
  }

  /** Why the Secrets of `namespace` cannot be read now (a sentence), or undefined when they can. */
  unavailable(namespace: string): string | undefined {
    switch (this.opts.reading) {
      case 'none':
        return undefined;
      case 'off':
        return 'Secrets are not read (--read-secrets=false; chart value rbac.readSecrets=false)';
      case 'watch':
        break;
    }
    const key = this.informers.has(namespace) ? namespace : this.informers.has(undefined) ? undefined : null;
    if (key === null) return `Secrets of namespace ${namespace} are not read (not in --secret-namespaces)`;
    const inf = this.informers.get(key);
    if (!inf || inf.hasSynced) return undefined;
    const err = inf.lastError;
    return err === undefined
      ? 'Secrets are not listed yet'
      : `Secrets of type ${SECRET_TYPE} cannot be listed: ${messageOf(err)}; retrying`;
  }

  private onError(ns: string | undefined, err: unknown): void {
    const inf = this.informers.get(ns);
    if (inf?.hasSynced || this.failing.has(ns)) return; // a cache that listed once stays usable
    this.failing.add(ns);
    this.log.error(
      { namespace: ns ?? '*', err: messageOf(err) },
      'Secrets cannot be listed; VrrpGroups with authentication are left out until they can (retrying)',
    );
    this.settle();
    this.opts.onChange();
  }

  private onListed(ns: string | undefined): void {
    if (this.failing.delete(ns)) {
      this.log.info({ namespace: ns ?? '*' }, 'Secrets listed again');
      this.opts.onChange();
    }
    this.settle();
  }

  private settle(): void {
    if (this.settled) for (const resolve of this.settledWaiters.splice(0)) resolve();
  }
}
