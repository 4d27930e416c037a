import type { ManifestObject, RealServer, VirtualServer, VrrpGroup } from '../api/index.js';
import { normaliseGroup, normaliseRealServer, normaliseService, type SecretResolver } from './normalise.js';
import type { GroupModel, Model, RealServerModel, ServiceModel } from './types.js';

/**
 * Builds the model of each pass, normalising again only what changed: an entry is reused
 * while its object is the same object (the sources hand out a new object for every new
 * resourceVersion) and everything else it reads, the RealServer objects a selector picks from
 * and the Secrets it names, are the same objects as before; a change to any of those
 * normalises every entry again. The roles key their own caches on the entries' identity, so an
 * unchanged object costs nothing downstream either.
 */
export class ModelCache {
  private groups = new WeakMap<VrrpGroup, GroupModel>();
  private services = new WeakMap<VirtualServer, ServiceModel>();
  private realServers: readonly RealServerModel[] = [];
  private dependencies: readonly ManifestObject[] = [];
  private resolveSecret: SecretResolver | undefined;

  build(objects: readonly ManifestObject[], resolveSecret: SecretResolver): Model {
    const dependencies = objects.filter((o) => o.kind === 'RealServer' || o.kind === 'Secret');
    const same =
      resolveSecret === this.resolveSecret &&
      dependencies.length === this.dependencies.length &&
      dependencies.every((o, i) => o === this.dependencies[i]);
    if (!same) {
      this.groups = new WeakMap();
      this.services = new WeakMap();
      this.dependencies = dependencies;
      this.resolveSecret = resolveSecret;
    }
    const realServers = objects.filter((o): o is RealServer => o.kind === 'RealServer');
    if (!same) this.realServers = realServers.flatMap(normaliseRealServer);
    const groups: GroupModel[] = [];
    const services: ServiceModel[] = [];
    for (const o of objects) {
      if (o.kind === 'VrrpGroup') {
        const m = this.groups.get(o) ?? normaliseGroup(o, resolveSecret);
        this.groups.set(o, m);
        groups.push(m);
      } else if (o.kind === 'VirtualServer') {
        const m = this.services.get(o) ?? normaliseService(o, realServers, resolveSecret);
        this.services.set(o, m);
        services.push(m);
      }
    }
    return { groups, services, realServers: this.realServers };
  }
}

/** The model of a set of objects, without a cache (tests, one-shot commands). */
export function buildModel(objects: readonly ManifestObject[], resolveSecret: SecretResolver): Model {
  return new ModelCache().build(objects, resolveSecret);
}
