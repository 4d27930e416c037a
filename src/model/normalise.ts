/**
 * Pure: validated objects + a Secret lookup → the {@link Model}. The one place past validation
 * where text is parsed: addresses through the codec, durations into milliseconds, label
 * selectors and references resolved, health checks normalised into probes. Nothing is dropped
 * silently: what cannot be normalised becomes an issue on the entry it belongs to.
 */
import {
  matchesSelector,
  parseAddressWithPrefix,
  parseDurationMs,
  parseIP,
  type HealthCheck,
  type InlineRealServer,
  type ParsedIP,
  type RealServer,
  type VirtualServer,
  type VrrpGroup,
} from '../api/index.js';
import { withoutUndefined } from '../core/index.js';
import { normaliseCheck } from './health-checks.js';
import { keyOf, refOf, type ObjectRef } from './refs.js';
import { unsupportedSettings } from './unsupported.js';
import type {
  BackendModel,
  CheckModel,
  FieldPath,
  GroupModel,
  ModelIssue,
  Prefix,
  RealServerModel,
  ServiceAddress,
  ServiceModel,
  VipReport,
} from './types.js';

/** Looks up a Secret's key: standalone from the manifest folder, in a cluster from informers. */
export type SecretResolver = (namespace: string, name: string, key: string) => string | undefined;

/** The schema has checked every duration's pattern: 0 would only appear through a schema bug. */
const ms = (text: string): number => parseDurationMs(text) ?? 0;

/** The acceptVIP block when a real server has none (the schema's defaults). */
export const DEFAULT_ACCEPT_VIP = { mode: 'Loopback', device: 'lo', perPort: false } as const;

/** A VrrpGroup, normalised; a missing Secret or an unparseable VIP is an issue on it. */
export function normaliseGroup(group: VrrpGroup, resolveSecret: SecretResolver): GroupModel {
  const ref = refOf(group);
  const spec = group.spec;
  const issues: ModelIssue[] = [];
  const issue = (path: FieldPath, message: string, transient = false) =>
    issues.push({ object: ref, path, message, transient });
  const prefixes = (list: readonly { address: string }[], field: string): Prefix[] =>
    list.flatMap((v, i) => {
      const p = parseAddressWithPrefix(v.address);
      if (!p) issue(['spec', field, i, 'address'], `unparseable virtual IP ${v.address}`);
      return p ? [{ address: p.ip, prefixLength: p.prefixLength }] : [];
    });
  const address = (text: string, path: FieldPath): ParsedIP[] => {
    const ip = parseIP(text);
    if (!ip) issue(path, `unparseable address ${text}`);
    return ip ? [ip] : [];
  };
  const virtualIPs = prefixes(spec.virtualIPs, 'virtualIPs');
  let password: string | undefined;
  if (spec.authentication) {
    const { name, key } = spec.authentication.secretRef;
    password = resolveSecret(group.metadata.namespace, name, key);
    if (password === undefined) {
      issue(
        ['spec', 'authentication', 'secretRef'],
        `Secret ${group.metadata.namespace}/${name} key ${key} not found; the group waits for it`,
        true,
      );
    }
  }
  const unicastSource =
    spec.unicastSourceIP === undefined ? [] : address(spec.unicastSourceIP, ['spec', 'unicastSourceIP']);
  const sync = spec.connectionSync;
  return {
    ref,
    ...(spec.nodeSelector === undefined ? {} : { nodeSelector: spec.nodeSelector }),
    nodes: (spec.nodes ?? []).map((n, i) => {
      const source =
        n.unicastSourceIP === undefined ? [] : address(n.unicastSourceIP, ['spec', 'nodes', i, 'unicastSourceIP']);
      return {
        name: n.name,
        ...(n.priority === undefined ? {} : { priority: n.priority }),
        ...(n.interface === undefined ? {} : { interface: n.interface }),
        ...(source[0] ? { unicastSource: source[0] } : {}),
      };
    }),
    virtualRouterId: spec.virtualRouterId,
    version: spec.version,
    interface: spec.interface,
    priority: spec.priority,
    advertIntervalMs: ms(spec.advertInterval),
    preempt: spec.preempt,
    preemptDelayMs: ms(spec.preemptDelay),
    acceptMode: spec.acceptMode,
    virtualIPs,
    family: virtualIPs[0]?.address.family ?? 4,
    excludedVirtualIPs: prefixes(spec.excludedVirtualIPs ?? [], 'excludedVirtualIPs'),
    unicastPeers: (spec.unicastPeers ?? []).flatMap((p, i) => address(p, ['spec', 'unicastPeers', i])),
    ...(unicastSource[0] ? { unicastSource: unicastSource[0] } : {}),
    ...(password === undefined ? {} : { password }),
    trackInterfaces: (spec.trackInterfaces ?? []).map((t) => ({ name: t.name, weight: t.weight })),
    trackScripts: (spec.trackScripts ?? []).map((t) => ({
      name: t.name,
      command: t.command,
      intervalMs: ms(t.interval),
      timeoutMs: ms(t.timeout ?? t.interval),
      rise: t.rise,
      fall: t.fall,
      weight: t.weight,
    })),
    garp: {
      masterDelayMs: ms(spec.garp.masterDelay),
      masterRepeat: spec.garp.masterRepeat,
      masterRefreshMs: ms(spec.garp.masterRefresh),
      masterRefreshRepeat: spec.garp.masterRefreshRepeat,
    },
    notify: withoutUndefined(spec.notify ?? {}),
    ...(sync?.enabled ? { connectionSync: withoutUndefined({ interface: sync.interface, syncId: sync.syncId }) } : {}),
    ...(spec.syncGroup === undefined ? {} : { syncGroup: spec.syncGroup }),
    issues,
    unsupported: unsupportedSettings(group),
  };
}

/** The RealServer objects a VirtualServer selects (same namespace, label selector), in name order. */
export function selectedRealServers(vs: VirtualServer, realServers: readonly RealServer[]): RealServer[] {
  const selector = vs.spec.realServerSelector;
  if (!selector) return [];
  return realServers
    .filter((r) => r.metadata.namespace === vs.metadata.namespace && matchesSelector(selector, r.metadata.labels))
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

/**
 * A RealServer object. Its address always parses: the schema's address rule accepts exactly
 * what the codec parses; the guard only keeps the type honest.
 */
export function normaliseRealServer(rs: RealServer): RealServerModel[] {
  const address = parseIP(rs.spec.address);
  if (!address) return [];
  return [{ ref: refOf(rs), address, ...(rs.spec.node === undefined ? {} : { node: rs.spec.node }) }];
}

/** What the realserver roles reported for the VIPs of an inline server (status.realServerVips). */
function inlineReports(vs: VirtualServer, address: ParsedIP): Map<string, VipReport> {
  const reports = new Map<string, VipReport>();
  for (const r of vs.status?.realServerVips ?? []) {
    if (parseIP(r.address)?.text !== address.text) continue;
    const vip = parseIP(r.vip)?.text ?? r.vip;
    if (reports.get(vip)?.configured === false) continue; // a failing node outweighs another's success
    reports.set(vip, { configured: r.configured, node: r.node, ...(r.message ? { message: r.message } : {}) });
  }
  return reports;
}

/** What the realserver role reported for the VIPs of a RealServer object (status.vips). */
function objectReports(rs: RealServer): Map<string, VipReport> {
  return new Map(
    (rs.status?.vips ?? []).map((v): [string, VipReport] => [
      parseIP(v.vip)?.text ?? v.vip,
      { configured: v.configured, ...(v.message ? { message: v.message } : {}) },
    ]),
  );
}

/**
 * A VirtualServer, normalised, with its real servers: the inline ones, then the selected
 * RealServer objects in name order. Health checks are normalised per real server (a server's
 * own checks replace the service's); a Secret they need that is missing is a transient issue.
 */
export function normaliseService(
  vs: VirtualServer,
  realServers: readonly RealServer[],
  resolveSecret: SecretResolver,
): ServiceModel {
  const ref = refOf(vs);
  const s = vs.spec;
  const issues: ModelIssue[] = [];
  const issue = (path: FieldPath, message: string, transient = false) =>
    issues.push({ object: ref, path, message, transient });
  const addresses: ServiceAddress[] = (s.addresses ?? []).flatMap((a, i) => {
    const ip = parseIP(a.ip);
    if (!ip) issue(['spec', 'addresses', i, 'ip'], `unparseable address ${a.ip}`);
    return ip ? [{ ip, port: a.port }] : [];
  });
  const defaultPort = s.fwmark !== undefined ? 0 : (s.addresses?.[0]?.port ?? 0);
  const family = s.fwmark !== undefined ? (s.family === 'IPv6' ? 6 : 4) : (addresses[0]?.ip.family ?? 4);
  const checksOf = (
    checks: readonly HealthCheck[],
    holder: ObjectRef,
    path: FieldPath,
    address: ParsedIP,
    port: number,
    id: string,
  ): CheckModel[] =>
    checks.flatMap((hc, j) => {
      const r = normaliseCheck(
        hc,
        { address, port },
        { resolveSecret: (sr) => resolveSecret(vs.metadata.namespace, sr.name, sr.key) },
      );
      if (r.ok) return [{ probe: r.probe, object: holder, path: [...path, j] }];
      // On the object and field that hold the check: a RealServer's own checks are its own.
      for (const p of r.issues) {
        issues.push({
          object: holder,
          path: [...path, j, ...p.path],
          message: `${id}: ${p.message}`,
          transient: p.transient,
        });
      }
      return [];
    });

  const seen = new Set<string>();
  const backends: BackendModel[] = [];
  const inline = (s.realServers ?? []).map((spec, i) => ({
    spec,
    realServer: undefined as ObjectRef | undefined,
    holder: ref,
    path: ['spec', 'realServers', i] as FieldPath,
    reports: (ip: ParsedIP) => inlineReports(vs, ip),
  }));
  const selected = selectedRealServers(vs, realServers).map((rs) => ({
    spec: rs.spec as InlineRealServer,
    realServer: refOf(rs) as ObjectRef | undefined,
    holder: refOf(rs),
    path: ['spec'] as FieldPath,
    reports: () => objectReports(rs),
  }));
  for (const b of [...inline, ...selected]) {
    const rs = b.spec;
    const address = parseIP(rs.address);
    if (!address) {
      issues.push({
        object: b.holder,
        path: [...b.path, 'address'],
        message: `unparseable real server address ${rs.address}`,
        transient: false,
      });
      continue;
    }
    const key = { address, port: rs.port ?? defaultPort };
    const id = keyOf(key);
    if (seen.has(id)) {
      // An inline duplicate at its index; a selected RealServer through the selector.
      const where = b.realServer ? ['spec', 'realServerSelector'] : b.path;
      const also = b.realServer ? ` (again by RealServer ${b.realServer.name})` : '';
      issue(where, `real server ${id} is listed twice${also}`);
      continue;
    }
    seen.add(id);
    const checks = rs.healthChecks
      ? checksOf(rs.healthChecks, b.holder, [...b.path, 'healthChecks'], address, key.port, id)
      : checksOf(s.healthChecks ?? [], ref, ['spec', 'healthChecks'], address, key.port, id);
    backends.push({
      key,
      id,
      ...(b.realServer ? { realServer: b.realServer } : {}),
      holder: b.holder,
      path: b.path,
      weight: rs.weight,
      forwarding: rs.forwarding ?? s.forwarding,
      inhibitOnFailure: rs.inhibitOnFailure ?? s.inhibitOnFailure,
      upperThreshold: rs.upperThreshold ?? 0,
      lowerThreshold: rs.lowerThreshold ?? 0,
      checks,
      notify: withoutUndefined(rs.notify ?? {}),
      ...(rs.node === undefined ? {} : { node: rs.node }),
      acceptVIP: rs.acceptVIP ?? DEFAULT_ACCEPT_VIP,
      vipReports: b.reports(address),
    });
  }

  let sorry: ServiceModel['sorry'];
  if (s.sorryServer) {
    const address = parseIP(s.sorryServer.address);
    if (!address) issue(['spec', 'sorryServer', 'address'], `unparseable address ${s.sorryServer.address}`);
    else
      sorry = {
        key: { address, port: s.sorryServer.port ?? defaultPort },
        forwarding: s.sorryServer.forwarding ?? s.forwarding,
        inhibit: s.sorryServer.inhibit,
      };
  }
  return {
    ref,
    ...(s.vrrpGroupRef
      ? { group: { kind: 'VrrpGroup', namespace: vs.metadata.namespace, name: s.vrrpGroupRef.name } }
      : {}),
    programOn: s.programOn,
    addresses,
    ...(s.fwmark === undefined ? {} : { fwmark: s.fwmark }),
    family,
    protocol: s.protocol,
    scheduler: s.scheduler,
    schedulerFlags: s.schedulerFlags ?? [],
    onePacket: s.onePacket,
    forwarding: s.forwarding,
    ...(s.tunnel ? { tunnel: s.tunnel } : {}),
    ...(s.persistence
      ? {
          persistence: {
            timeoutMs: ms(s.persistence.timeout),
            ...(s.persistence.granularity === undefined ? {} : { granularity: s.persistence.granularity }),
            ...(s.persistence.engine === undefined ? {} : { engine: s.persistence.engine }),
          },
        }
      : {}),
    defaultPort,
    backends,
    ...(sorry ? { sorry } : {}),
    quorum: s.quorum,
    hysteresis: s.hysteresis,
    alpha: s.alpha,
    haSuspend: s.haSuspend,
    vipPathCheck: s.vipPathCheck,
    notify: withoutUndefined(s.notify ?? {}),
    issues,
    unsupported: unsupportedSettings(vs),
  };
}
