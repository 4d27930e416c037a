import { parseAddressWithPrefix, parseIP } from './address.js';
import type { RealServer, VirtualServer, VrrpGroup } from './objects.js';
import { SECRET_TYPE, type Secret } from './secret.js';
import { matchesSelector } from './selector.js';
import type { FieldIssue, ManifestObject } from './validate.js';

/** An issue found by comparing objects; `related` is the index of the other object involved. */
export interface CrossIssue extends FieldIssue {
  readonly index: number;
  readonly related?: number;
}

const refOf = (o: ManifestObject | undefined) =>
  o ? `${o.kind} ${o.metadata.namespace}/${o.metadata.name}` : 'another object';

/**
 * Checks that no single object can make alone: duplicates, VRID and VIP conflicts, references
 * that resolve to nothing. For a conflict, the later object (in input order) gets the issue, so
 * the first keeps working: one bad object never takes the others down.
 */
export function crossCheck(objects: readonly ManifestObject[]): CrossIssue[] {
  const issues: CrossIssue[] = [];
  const add = (
    index: number,
    path: (string | number)[],
    message: string,
    related?: number,
    severity: FieldIssue['severity'] = 'error',
  ) => issues.push({ index, path, message, severity, ...(related === undefined ? {} : { related }) });

  const firstSeen = new Map<string, number>();
  const claim = (key: string, index: number): number | undefined => {
    const prev = firstSeen.get(key);
    if (prev === undefined) firstSeen.set(key, index);
    return prev;
  };

  objects.forEach((o, i) => {
    const prev = claim(`object|${o.kind}|${o.metadata.namespace}|${o.metadata.name}`, i);
    if (prev !== undefined) add(i, ['metadata', 'name'], `duplicate ${refOf(o)}`, prev);
  });

  const indexed = objects.map((object, index) => ({ object, index }));
  const groups = indexed.filter((e): e is { object: VrrpGroup; index: number } => e.object.kind === 'VrrpGroup');
  const services = indexed.filter(
    (e): e is { object: VirtualServer; index: number } => e.object.kind === 'VirtualServer',
  );
  const reals = indexed.filter((e): e is { object: RealServer; index: number } => e.object.kind === 'RealServer');
  const secrets = indexed.filter((e): e is { object: Secret; index: number } => e.object.kind === 'Secret');

  for (const { object: g, index } of groups) {
    const family = parseAddressWithPrefix(g.spec.virtualIPs[0]?.address ?? '')?.ip.family ?? 4;
    const prev = claim(`vrid|${g.spec.interface}|${family}|${g.spec.virtualRouterId}`, index);
    if (prev !== undefined) {
      add(
        index,
        ['spec', 'virtualRouterId'],
        `VRID ${g.spec.virtualRouterId} on interface ${g.spec.interface} is already used by ${refOf(objects[prev])}; a VRID must be unique per interface and address family`,
        prev,
      );
    }
    [...g.spec.virtualIPs, ...(g.spec.excludedVirtualIPs ?? [])].forEach((vip, j) => {
      const ip = parseAddressWithPrefix(vip.address)?.ip.text ?? vip.address;
      const other = claim(`vip|${ip}`, index);
      if (other !== undefined && other !== index) {
        const field =
          j < g.spec.virtualIPs.length
            ? ['spec', 'virtualIPs', j]
            : ['spec', 'excludedVirtualIPs', j - g.spec.virtualIPs.length];
        add(index, [...field, 'address'], `virtual IP ${ip} is already held by ${refOf(objects[other])}`, other);
      }
    });
    const ref = g.spec.authentication?.secretRef;
    if (ref) {
      const secret = secrets.find(
        (s) => s.object.metadata.namespace === g.metadata.namespace && s.object.metadata.name === ref.name,
      );
      if (!secret) {
        add(
          index,
          ['spec', 'authentication', 'secretRef', 'name'],
          `Secret ${ref.name} is not among these manifests; it must exist where the group runs`,
          undefined,
          'warning',
        );
      } else if (secret.object.data?.[ref.key] === undefined && secret.object.stringData?.[ref.key] === undefined) {
        add(
          index,
          ['spec', 'authentication', 'secretRef', 'key'],
          `Secret ${ref.name} has no key "${ref.key}"`,
          secret.index,
        );
      } else if (secret.object.type !== SECRET_TYPE) {
        // Standalone reads it from the folder; a cluster's director would never see it.
        add(
          index,
          ['spec', 'authentication', 'secretRef', 'name'],
          `Secret ${ref.name} is not of type ${SECRET_TYPE}; in a cluster only Secrets of that type are read`,
          secret.index,
          'warning',
        );
      }
    }
  }

  for (const { object: vs, index } of services) {
    const ns = vs.metadata.namespace;
    (vs.spec.addresses ?? []).forEach((a, j) => {
      const ip = parseIP(a.ip)?.text ?? a.ip;
      const other = claim(`svc|${vs.spec.protocol}|${ip}|${a.port}`, index);
      if (other !== undefined && other !== index) {
        add(
          index,
          ['spec', 'addresses', j],
          `${ip}:${a.port}/${vs.spec.protocol} is already served by ${refOf(objects[other])}`,
          other,
        );
      } else if (other === index) {
        add(index, ['spec', 'addresses', j], `${ip}:${a.port} is listed twice`);
      }
    });
    if (vs.spec.fwmark !== undefined) {
      const other = claim(`fwm|${vs.spec.family}|${vs.spec.fwmark}`, index);
      if (other !== undefined)
        add(
          index,
          ['spec', 'fwmark'],
          `fwmark ${vs.spec.fwmark} (${vs.spec.family}) is already served by ${refOf(objects[other])}`,
          other,
        );
    }
    const groupRef = vs.spec.vrrpGroupRef;
    if (groupRef) {
      const group = groups.find((g) => g.object.metadata.namespace === ns && g.object.metadata.name === groupRef.name);
      if (!group) {
        add(index, ['spec', 'vrrpGroupRef', 'name'], `VrrpGroup ${ns}/${groupRef.name} does not exist`);
      } else {
        const held = new Set(
          [...group.object.spec.virtualIPs, ...(group.object.spec.excludedVirtualIPs ?? [])].map(
            (v) => parseAddressWithPrefix(v.address)?.ip.text,
          ),
        );
        (vs.spec.addresses ?? []).forEach((a, j) => {
          if (!held.has(parseIP(a.ip)?.text)) {
            add(
              index,
              ['spec', 'addresses', j, 'ip'],
              `${a.ip} is not a virtual IP of VrrpGroup ${ns}/${groupRef.name}; nothing will move it on failover`,
              group.index,
              'warning',
            );
          }
        });
      }
    }
    const selector = vs.spec.realServerSelector;
    if (
      selector &&
      !reals.some((r) => r.object.metadata.namespace === ns && matchesSelector(selector, r.object.metadata.labels))
    ) {
      add(index, ['spec', 'realServerSelector'], `realServerSelector matches no RealServer in namespace ${ns}`);
    }
  }
  return issues;
}
