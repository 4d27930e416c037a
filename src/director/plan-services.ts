import {
  matchesSelector,
  parseIP,
  parseDurationMs,
  type InlineRealServer,
  type ManifestObject,
  type RealServer,
  type VirtualServer,
} from '../api/index.js';
import { withoutUndefined } from '../core/defined.js';
import { normaliseCheck, vipPathProbes, type HealthProbe } from '../health/index.js';
import {
  IP_VS_SVC_F_ONEPACKET,
  IP_VS_SVC_F_PERSISTENT,
  IP_VS_SVC_F_SCHED1,
  IP_VS_SVC_F_SCHED2,
  IP_VS_TUNNEL_ENCAP_FLAG_CSUM,
  IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM,
  type AddressFamily,
  type Destination,
  type ForwardingMethod,
  type Service,
  type ServiceKey,
} from '../ipvs/index.js';
import { ANY_COMMAND, type CommandPolicy } from '../net/index.js';
import { CommandCheck } from './plan-commands.js';
import { excludesObject, type PlanIssue, type SecretResolver } from './plan-types.js';

/** A real server of a planned service, before health decides its weight. */
export interface PlannedBackend {
  /** "address:port" (IPv6 in brackets), unique within the service. */
  readonly id: string;
  readonly address: string;
  readonly port: number;
  readonly weight: number;
  readonly inhibitOnFailure: boolean;
  /** The destination as programmed while up, weight aside. */
  readonly destination: Omit<Destination, 'weight'>;
  /** All must pass for the server to be up; none means always up. */
  readonly probes: readonly HealthProbe[];
  readonly notify?: { readonly up?: readonly string[]; readonly down?: readonly string[] };
}

/** A VirtualServer as the director programs it. */
export interface PlannedService {
  /** "namespace/name" of the VirtualServer. */
  readonly ref: string;
  /** "namespace/name" of its VrrpGroup, if any. */
  readonly groupRef?: string;
  readonly programOn: 'Always' | 'Master';
  readonly haSuspend: boolean;
  /** One IPVS service per VIP:port (or the fwmark), destinations left out. */
  readonly services: readonly Service[];
  readonly backends: readonly PlannedBackend[];
  readonly quorum: number;
  readonly hysteresis: number;
  readonly sorry?: { readonly backend: PlannedBackend; readonly inhibit: boolean };
  /** Servers count as down until their first check passes (alpha). */
  readonly alpha: boolean;
  readonly notify?: { readonly quorumUp?: readonly string[]; readonly quorumDown?: readonly string[] };
}

const FORWARDING: Readonly<Record<'DR' | 'NAT' | 'TUN', ForwardingMethod>> = {
  DR: 'droute',
  NAT: 'masq',
  TUN: 'tunnel',
};
const SCHED_FLAGS: Readonly<Record<string, number>> = {
  'sh-fallback': IP_VS_SVC_F_SCHED1,
  'sh-port': IP_VS_SVC_F_SCHED2,
  'mh-fallback': IP_VS_SVC_F_SCHED1,
  'mh-port': IP_VS_SVC_F_SCHED2,
};
const af = (family: 4 | 6): AddressFamily => (family === 4 ? 'inet' : 'inet6');

/** IPv4 persistence granularity as the kernel stores it: the mask read as a big-endian u32. */
function netmaskOf(family: 4 | 6, prefix: number | undefined): number {
  if (family === 6) return prefix ?? 128;
  const p = prefix ?? 32;
  return p === 0 ? 0 : (0xffffffff << (32 - p)) >>> 0;
}

/** The IPVS services of a VirtualServer (one per address, or its fwmark). */
export function ipvsServicesOf(vs: VirtualServer): Service[] {
  const s = vs.spec;
  let flags = 0;
  if (s.persistence) flags |= IP_VS_SVC_F_PERSISTENT;
  if (s.onePacket) flags |= IP_VS_SVC_F_ONEPACKET;
  for (const f of s.schedulerFlags ?? []) flags |= SCHED_FLAGS[f] ?? 0;
  const common = {
    scheduler: s.scheduler,
    flags,
    timeoutMs: s.persistence ? (parseDurationMs(s.persistence.timeout) ?? 0) : 0,
    peName: s.persistence?.engine ?? '',
  };
  const protocol = s.protocol.toLowerCase() as 'tcp' | 'udp' | 'sctp';
  if (s.fwmark !== undefined) {
    const family = s.family === 'IPv6' ? 6 : 4;
    const key: ServiceKey = { kind: 'fwmark', af: af(family), fwmark: s.fwmark };
    return [{ key, ...common, netmask: netmaskOf(family, s.persistence?.granularity) }];
  }
  return (s.addresses ?? []).flatMap((a) => {
    const ip = parseIP(a.ip);
    if (!ip) return [];
    const key: ServiceKey = { kind: 'addr', af: af(ip.family), protocol, address: ip.text, port: a.port };
    return [{ key, ...common, netmask: netmaskOf(ip.family, s.persistence?.granularity) }];
  });
}

function servicePort(vs: VirtualServer): number {
  return vs.spec.fwmark !== undefined ? 0 : (vs.spec.addresses?.[0]?.port ?? 0);
}

/** The RealServer objects a service selects, in name order. */
function selectedRealServers(vs: VirtualServer, realServers: readonly RealServer[]): RealServer[] {
  const selector = vs.spec.realServerSelector;
  if (!selector) return [];
  return realServers
    .filter((r) => r.metadata.namespace === vs.metadata.namespace && matchesSelector(selector, r.metadata.labels))
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

const refOfObject = (o: ManifestObject) => `${o.metadata.namespace}/${o.metadata.name}`;

/** Real servers of a service: the inline ones, then the selected RealServer objects in name order. */
export function backendsOf(vs: VirtualServer, realServers: readonly RealServer[]): InlineRealServer[] {
  return [...(vs.spec.realServers ?? []), ...selectedRealServers(vs, realServers).map((r) => r.spec)];
}

/**
 * A VirtualServer → its planned service, or the issues that keep it out. Commands (MISC
 * checks, notify hooks) that `commands` refuses are left out with a CommandRefused issue on
 * the object that holds them (the VirtualServer, or the selected RealServer); they do not keep
 * the service out.
 */
export function planService(
  vs: VirtualServer,
  objects: readonly ManifestObject[],
  resolveSecret: SecretResolver,
  commands: CommandPolicy = ANY_COMMAND,
): { service: PlannedService; issues: PlanIssue[] } | { service?: undefined; issues: PlanIssue[] } {
  const ref = `${vs.metadata.namespace}/${vs.metadata.name}`;
  const s = vs.spec;
  const issues: PlanIssue[] = [];
  const own = new CommandCheck(commands, ref, 'VirtualServer');
  const realServers = objects.filter((o): o is RealServer => o.kind === 'RealServer');
  const port = servicePort(vs);
  const seen = new Set<string>();
  const backends: PlannedBackend[] = [];
  const inline = s.realServers?.length ?? 0;
  const selected = selectedRealServers(vs, realServers);
  const checksOf = new Map<RealServer, CommandCheck>();
  for (const [i, rs] of backendsOf(vs, realServers).entries()) {
    const ip = parseIP(rs.address);
    if (!ip) continue;
    const rsPort = rs.port ?? port;
    const id = ip.family === 6 ? `[${ip.text}]:${rsPort}` : `${ip.text}:${rsPort}`;
    if (seen.has(id)) {
      issues.push({
        ref,
        kind: 'VirtualServer',
        path: ['spec', 'realServers', i],
        message: `real server ${id} is listed twice`,
        transient: false,
      });
      continue;
    }
    seen.add(id);
    // Where this server's commands live: inline in the VirtualServer, or a RealServer object.
    const object = i < inline ? undefined : selected[i - inline];
    let check = own;
    let rsPath: (string | number)[] = ['spec', 'realServers', i];
    if (object) {
      check = checksOf.get(object) ?? new CommandCheck(commands, refOfObject(object), 'RealServer');
      checksOf.set(object, check);
      rsPath = ['spec'];
    }
    const checksPath = rs.healthChecks ? [...rsPath, 'healthChecks'] : ['spec', 'healthChecks'];
    const checkOwner = rs.healthChecks ? check : own;
    const probes: HealthProbe[] = [];
    for (const [j, hc] of (rs.healthChecks ?? s.healthChecks ?? []).entries()) {
      // A refused MISC check is omitted, as if absent: it neither passes nor fails the server.
      if (hc.misc && !checkOwner.allows(hc.misc.command, [...checksPath, j, 'misc', 'command'], 'misc-check')) {
        continue;
      }
      const r = normaliseCheck(
        hc,
        { address: ip.text, port: rsPort },
        { resolveSecret: (sr) => resolveSecret(vs.metadata.namespace, sr.name, sr.key) },
      );
      if (r.ok) probes.push(r.probe);
      else
        for (const p of r.issues)
          issues.push({
            ref,
            kind: 'VirtualServer',
            path: ['spec', 'healthChecks', j, ...p.path],
            message: `${id}: ${p.message}`,
            transient: p.transient,
          });
    }
    const notify = rs.notify ? check.hooks(withoutUndefined(rs.notify), [...rsPath, 'notify']) : undefined;
    const forwarding = rs.forwarding ?? s.forwarding;
    probes.push(...vipPathProbesOf(vs, ip.text, forwarding, probes));
    backends.push({
      id,
      address: ip.text,
      port: rsPort,
      weight: rs.weight,
      inhibitOnFailure: rs.inhibitOnFailure ?? s.inhibitOnFailure,
      destination: destinationOf(vs, ip.family, ip.text, rsPort, forwarding, rs.upperThreshold, rs.lowerThreshold),
      probes,
      ...(notify && Object.keys(notify).length > 0 ? { notify } : {}),
    });
  }
  const serviceNotify = s.notify ? own.hooks(withoutUndefined(s.notify), ['spec', 'notify']) : undefined;
  issues.push(...own.issues, ...[...checksOf.values()].flatMap((c) => c.issues));
  // Any other issue keeps the service out of this plan; the director keeps its last good version.
  if (issues.some(excludesObject)) return { issues };
  const sorrySpec = s.sorryServer;
  const sorryIp = sorrySpec ? parseIP(sorrySpec.address) : undefined;
  const sorry =
    sorrySpec && sorryIp
      ? {
          inhibit: sorrySpec.inhibit,
          backend: {
            id: 'sorry-server',
            address: sorryIp.text,
            port: sorrySpec.port ?? port,
            weight: 1,
            inhibitOnFailure: false,
            destination: destinationOf(
              vs,
              sorryIp.family,
              sorryIp.text,
              sorrySpec.port ?? port,
              sorrySpec.forwarding ?? s.forwarding,
            ),
            probes: [],
          },
        }
      : undefined;
  const service: PlannedService = {
    ref,
    ...(s.vrrpGroupRef ? { groupRef: `${vs.metadata.namespace}/${s.vrrpGroupRef.name}` } : {}),
    programOn: s.programOn,
    haSuspend: s.haSuspend,
    services: ipvsServicesOf(vs),
    backends,
    quorum: s.quorum,
    hysteresis: s.hysteresis,
    ...(sorry ? { sorry } : {}),
    alpha: s.alpha,
    ...(serviceNotify && Object.keys(serviceNotify).length > 0 ? { notify: serviceNotify } : {}),
  };
  return { service, issues };
}

/**
 * The VIP-path probes of one real server (src/health/vip-path-check.ts), unless vipPathCheck
 * is Disabled: DR servers (a frame to the server's MAC) and TUN servers with IPIP tunnels
 * (the SYN inside IPIP, as IPVS sends it) of TCP services with addresses. NAT servers answer
 * through the director, which rewrites the VIP itself; GUE and GRE tunnels are not built by
 * the probe; a fwmark service has no VIP:port to address.
 */
function vipPathProbesOf(
  vs: VirtualServer,
  address: string,
  forwarding: 'DR' | 'NAT' | 'TUN',
  probes: readonly HealthProbe[],
): HealthProbe[] {
  const s = vs.spec;
  if (s.vipPathCheck === 'Disabled' || s.protocol !== 'TCP' || !s.addresses) return [];
  const ipip = forwarding === 'TUN' && (s.tunnel?.type ?? 'IPIP') === 'IPIP';
  if (forwarding !== 'DR' && !ipip) return [];
  return vipPathProbes({
    address,
    vips: s.addresses,
    mode: s.vipPathCheck,
    encapsulation: ipip ? 'ipip' : 'none',
    probes,
  });
}

function destinationOf(
  vs: VirtualServer,
  family: 4 | 6,
  address: string,
  port: number,
  forwarding: 'DR' | 'NAT' | 'TUN',
  upperThreshold = 0,
  lowerThreshold = 0,
): Omit<Destination, 'weight'> {
  const tunnel = vs.spec.tunnel;
  const tunnelFlags =
    tunnel?.checksum === 'Checksum'
      ? IP_VS_TUNNEL_ENCAP_FLAG_CSUM
      : tunnel?.checksum === 'RemoteChecksum'
        ? IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM
        : 0;
  return {
    key: { af: af(family), address, port },
    forwarding: FORWARDING[forwarding],
    upperThreshold,
    lowerThreshold,
    tunnelType: forwarding === 'TUN' ? ((tunnel?.type.toLowerCase() ?? 'ipip') as 'ipip' | 'gue' | 'gre') : 'ipip',
    tunnelPort: forwarding === 'TUN' ? (tunnel?.port ?? 0) : 0,
    tunnelFlags: forwarding === 'TUN' ? tunnelFlags : 0,
  };
}
