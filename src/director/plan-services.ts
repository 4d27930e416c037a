import { vipPathProbes, type HealthProbe } from '../health/index.js';
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
import {
  nameKey,
  refKey,
  type BackendKey,
  type BackendModel,
  type ObjectRef,
  type ServiceModel,
} from '../model/index.js';
import { ANY_COMMAND, type CommandPolicy } from '../net/index.js';
import { CommandCheck } from './plan-commands.js';
import type { PlanIssue } from './plan-types.js';

/** A real server of a planned service, before health decides its weight. */
export interface PlannedBackend {
  /** `keyOf` its address and port: unique within the service. */
  readonly id: string;
  readonly key: BackendKey;
  /** The RealServer object, absent for a server written inline. */
  readonly realServer?: ObjectRef;
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
  readonly object: ObjectRef;
  /** "namespace/name" of the VirtualServer: the health monitor's service id. */
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
export function ipvsServicesOf(svc: ServiceModel): Service[] {
  let flags = 0;
  if (svc.persistence) flags |= IP_VS_SVC_F_PERSISTENT;
  if (svc.onePacket) flags |= IP_VS_SVC_F_ONEPACKET;
  for (const f of svc.schedulerFlags) flags |= SCHED_FLAGS[f] ?? 0;
  const common = {
    scheduler: svc.scheduler,
    flags,
    timeoutMs: svc.persistence?.timeoutMs ?? 0,
    peName: svc.persistence?.engine ?? '',
  };
  const protocol = svc.protocol.toLowerCase() as 'tcp' | 'udp' | 'sctp';
  const granularity = svc.persistence?.granularity;
  if (svc.fwmark !== undefined) {
    const key: ServiceKey = { kind: 'fwmark', af: af(svc.family), fwmark: svc.fwmark };
    return [{ key, ...common, netmask: netmaskOf(svc.family, granularity) }];
  }
  return svc.addresses.map((a) => {
    const key: ServiceKey = { kind: 'addr', af: af(a.ip.family), protocol, address: a.ip.text, port: a.port };
    return { key, ...common, netmask: netmaskOf(a.ip.family, granularity) };
  });
}

/**
 * A normalised VirtualServer → its planned service, or the issues that keep it out. Commands
 * (MISC checks, notify hooks) that `commands` refuses are left out with a CommandRefused issue
 * on the object that holds them (the VirtualServer, or the selected RealServer); they do not
 * keep the service out.
 */
export function planService(
  svc: ServiceModel,
  commands: CommandPolicy = ANY_COMMAND,
): { service: PlannedService; issues: PlanIssue[] } | { service?: undefined; issues: PlanIssue[] } {
  const checks = new Map<string, CommandCheck>();
  const checkOf = (object: ObjectRef): CommandCheck => {
    const key = refKey(object);
    const check = checks.get(key) ?? new CommandCheck(commands, object);
    checks.set(key, check);
    return check;
  };
  const own = checkOf(svc.ref);
  const backends = svc.backends.map((b): PlannedBackend => {
    const probes: HealthProbe[] = [];
    for (const c of b.checks) {
      // A refused MISC check is omitted, as if absent: it neither passes nor fails the server.
      if (
        c.probe.type === 'MISC' &&
        !checkOf(c.object).allows(c.probe.command, [...c.path, 'misc', 'command'], 'misc-check')
      ) {
        continue;
      }
      probes.push(c.probe);
    }
    const notify = checkOf(b.holder).hooks(b.notify, [...b.path, 'notify']);
    probes.push(...vipPathProbesOf(svc, b, probes));
    return {
      id: b.id,
      key: b.key,
      ...(b.realServer ? { realServer: b.realServer } : {}),
      weight: b.weight,
      inhibitOnFailure: b.inhibitOnFailure,
      destination: destinationOf(svc, b.key, b.forwarding, b.upperThreshold, b.lowerThreshold),
      probes,
      ...(Object.keys(notify).length > 0 ? { notify } : {}),
    };
  });
  const serviceNotify = own.hooks(svc.notify, ['spec', 'notify']);
  const issues: PlanIssue[] = [...svc.issues, ...[...checks.values()].flatMap((c) => c.issues)];
  // Any other issue keeps the service out of this plan; the director keeps its last good version.
  if (svc.issues.length > 0) return { issues };
  const sorry = svc.sorry
    ? {
        inhibit: svc.sorry.inhibit,
        backend: {
          id: 'sorry-server',
          key: svc.sorry.key,
          weight: 1,
          inhibitOnFailure: false,
          destination: destinationOf(svc, svc.sorry.key, svc.sorry.forwarding),
          probes: [],
        },
      }
    : undefined;
  const service: PlannedService = {
    object: svc.ref,
    ref: nameKey(svc.ref),
    ...(svc.group ? { groupRef: nameKey(svc.group) } : {}),
    programOn: svc.programOn,
    haSuspend: svc.haSuspend,
    services: ipvsServicesOf(svc),
    backends,
    quorum: svc.quorum,
    hysteresis: svc.hysteresis,
    ...(sorry ? { sorry } : {}),
    alpha: svc.alpha,
    ...(Object.keys(serviceNotify).length > 0 ? { notify: serviceNotify } : {}),
  };
  return { service, issues };
}

/**
 * The VIP-path probes of one real server (src/health/probes.ts), unless vipPathCheck is
 * Disabled: DR servers (a frame to the server's MAC) and TUN servers with IPIP tunnels (the
 * SYN inside IPIP, as IPVS sends it) of TCP services with addresses. NAT servers answer
 * through the director, which rewrites the VIP itself; GUE and GRE tunnels are not built by
 * the probe; a fwmark service has no VIP:port to address.
 */
function vipPathProbesOf(svc: ServiceModel, b: BackendModel, probes: readonly HealthProbe[]): HealthProbe[] {
  if (svc.vipPathCheck === 'Disabled' || svc.protocol !== 'TCP' || svc.fwmark !== undefined) return [];
  const ipip = b.forwarding === 'TUN' && (svc.tunnel?.type ?? 'IPIP') === 'IPIP';
  if (b.forwarding !== 'DR' && !ipip) return [];
  return vipPathProbes({
    address: b.key.address,
    vips: svc.addresses,
    mode: svc.vipPathCheck,
    encapsulation: ipip ? 'ipip' : 'none',
    probes,
  });
}

function destinationOf(
  svc: ServiceModel,
  key: BackendKey,
  forwarding: 'DR' | 'NAT' | 'TUN',
  upperThreshold = 0,
  lowerThreshold = 0,
): Omit<Destination, 'weight'> {
  const tunnel = svc.tunnel;
  const tunnelFlags =
    tunnel?.checksum === 'Checksum'
      ? IP_VS_TUNNEL_ENCAP_FLAG_CSUM
      : tunnel?.checksum === 'RemoteChecksum'
        ? IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM
        : 0;
  return {
    key: { af: af(key.address.family), address: key.address.text, port: key.port },
    forwarding: FORWARDING[forwarding],
    upperThreshold,
    lowerThreshold,
    tunnelType: forwarding === 'TUN' ? ((tunnel?.type.toLowerCase() ?? 'ipip') as 'ipip' | 'gue' | 'gre') : 'ipip',
    tunnelPort: forwarding === 'TUN' ? (tunnel?.port ?? 0) : 0,
    tunnelFlags: forwarding === 'TUN' ? tunnelFlags : 0,
  };
}
