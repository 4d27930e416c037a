/**
 * Object names for imported configuration. keepalived names (VI_1, example_web_servers) and
 * addresses become DNS-1123 names (vi-1, example-web-servers, vs-10-0-0-1-80); the same input
 * always gives the same name, so an import, export and re-import agree.
 */

const MAX_NAME_LENGTH = 63;

/** A DNS-1123 label from any text: lower case, runs of other characters become "-". */
export function toObjectName(text: string, fallback = 'unnamed'): string {
  const name = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_NAME_LENGTH)
    .replace(/-+$/, '');
  return name === '' ? fallback : name;
}

/** The name of a virtual service without a name of its own: vs-<ip>-<port>[-udp|-sctp]. */
export function serviceName(address: { ip: string; port: number } | { fwmark: number }, protocol: string): string {
  const base = 'fwmark' in address ? `fwmark-${address.fwmark}` : `vs-${address.ip}-${address.port}`;
  return toObjectName(protocol === 'TCP' ? base : `${base}-${protocol}`);
}

/** Hands out unique names per kind, adding -2, -3... on collisions. */
export class NameRegistry {
  private readonly taken = new Map<string, Set<string>>();

  claim(kind: string, wanted: string): string {
    let set = this.taken.get(kind);
    if (!set) this.taken.set(kind, (set = new Set()));
    let name = wanted;
    for (let i = 2; set.has(name); i++) name = `${wanted.slice(0, MAX_NAME_LENGTH - 1 - String(i).length)}-${i}`;
    set.add(name);
    return name;
  }
}
