/**
 * Pure selection: from validated VirtualServers and RealServers and this node's identity, the
 * VIPs this node must accept and how (DESIGN.md, the realserver role). No I/O.
 */
import {
  matchesSelector,
  OPEN_VIP_POLICY,
  parseIP,
  VIP_DENIED,
  vipRefusal,
  type VipPolicy,
  type InlineRealServer,
  type RealServer,
  type RealServerSpec,
  type VirtualServer,
} from '../api/index.js';
import {
  formatRef,
  type AcceptEntry,
  type AcceptMode,
  type Issue,
  type L4Protocol,
  type NodeIdentity,
  type ObjectRef,
} from './types.js';

/** The objects the selection reads. */
export interface DesiredInput {
  readonly virtualServers: readonly VirtualServer[];
  readonly realServers: readonly RealServer[];
}

/** The selection's result: entries to apply and issues per object. */
export interface DesiredAcceptance {
  readonly entries: readonly AcceptEntry[];
  readonly issues: readonly Issue[];
}

/** The acceptVIP block when a real server has none (the schema's defaults). */
export const DEFAULT_ACCEPT_VIP = { mode: 'Loopback', device: 'lo', perPort: false } as const;

/** Prefix of the ipip devices this role creates for Tunnel when no device is named. */
export const TUNNEL_DEVICE_PREFIX = 'lvsip-';

/**
 * The ipip device for a local IPv4 address: `lvsip-` and the address in hex (14 bytes, within
 * IFNAMSIZ), so one address always maps to the same device across restarts.
 */
export function tunnelDeviceName(localAddress: string): string {
  const bytes = parseIP(localAddress)?.bytes ?? new Uint8Array(4);
  return TUNNEL_DEVICE_PREFIX + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

const L4_PROTOCOLS: Readonly<Record<VirtualServer['spec']['protocol'], L4Protocol>> = {
  TCP: 'tcp',
  UDP: 'udp',
  SCTP: 'sctp',
};

interface Backend {
  readonly spec: InlineRealServer | RealServerSpec;
  /** The RealServer object, or undefined when written inline. */
  readonly object?: ObjectRef;
  /** Path of its acceptVIP block, inside the object that holds it. */
  readonly holder: ObjectRef;
  readonly path: string;
}

const refOf = (o: VirtualServer | RealServer): ObjectRef => ({
  kind: o.kind,
  namespace: o.metadata.namespace,
  name: o.metadata.name,
});

function backendsOf(vs: VirtualServer, realServers: readonly RealServer[]): Backend[] {
  const vsRef = refOf(vs);
  const inline = (vs.spec.realServers ?? []).map((spec, i): Backend => ({
    spec,
    holder: vsRef,
    path: `spec.realServers[${i}].acceptVIP`,
  }));
  const selector = vs.spec.realServerSelector;
  const selected = selector
    ? realServers
        .filter((r) => r.metadata.namespace === vs.metadata.namespace && matchesSelector(selector, r.metadata.labels))
        .map((r): Backend => ({ spec: r.spec, object: refOf(r), holder: refOf(r), path: 'spec.acceptVIP' }))
    : [];
  return [...inline, ...selected];
}

/** True when a real server is this node's: its `node`, or without one, one of the node's addresses. */
export function isOwnRealServer(spec: Pick<RealServerSpec, 'node' | 'address'>, node: NodeIdentity): boolean {
  if (spec.node !== undefined) return spec.node === node.nodeName;
  const ip = parseIP(spec.address);
  return ip !== undefined && node.localAddresses.has(ip.text);
}

/** Who first claimed a VIP, and how, for conflict messages. */
interface Claim {
  readonly mode: AcceptMode;
  readonly device: string;
  readonly perPort: boolean;
  readonly by: ObjectRef;
}

const describeClaim = (c: Omit<Claim, 'by'>): string =>
  c.mode === 'IptablesRedirect' ? `IptablesRedirect (perPort ${String(c.perPort)})` : `${c.mode} on ${c.device}`;

/** How one real server of a service accepts its VIPs, once its acceptVIP is resolved. */
interface Acceptance {
  readonly mode: AcceptMode;
  readonly device: string;
  readonly perPort: boolean;
  readonly local: string;
}

/** The resolved acceptance of a backend of this node, nothing (NAT, None), or why not. */
function acceptanceOf(vs: VirtualServer, b: Backend): Acceptance | Issue | undefined {
  const forwarding = b.spec.forwarding ?? vs.spec.forwarding;
  const accept = b.spec.acceptVIP ?? DEFAULT_ACCEPT_VIP;
  if (forwarding === 'NAT' || accept.mode === 'None') return undefined;
  const unsupported = (message: string): Issue => ({
    object: b.holder,
    path: `${b.path}.mode`,
    reason: 'AcceptModeUnsupported',
    message,
  });
  if (vs.spec.fwmark !== undefined) {
    return {
      object: refOf(vs),
      path: 'spec.fwmark',
      reason: 'FwmarkVipsUnknown',
      message:
        'a fwmark service does not name its VIPs, so the realserver role cannot accept them: list addresses, or set acceptVIP mode None and accept the VIPs by hand',
    };
  }
  const local = parseIP(b.spec.address);
  if (accept.mode === 'Tunnel' && forwarding !== 'TUN') {
    return unsupported(`acceptVIP mode Tunnel needs forwarding TUN, not ${forwarding}`);
  }
  if (accept.mode === 'Tunnel' && local?.family !== 4) {
    return unsupported(`acceptVIP mode Tunnel is ipip, which needs an IPv4 real server address, not ${b.spec.address}`);
  }
  const localText = local?.text ?? b.spec.address;
  switch (accept.mode) {
    case 'IptablesRedirect':
      return { mode: accept.mode, device: '', perPort: accept.perPort, local: localText };
    case 'Tunnel':
      return {
        mode: accept.mode,
        device: accept.device === 'lo' ? tunnelDeviceName(localText) : accept.device,
        perPort: false,
        local: localText,
      };
    case 'Loopback':
      return { mode: accept.mode, device: accept.device, perPort: false, local: localText };
  }
}

const isIssue = (x: Acceptance | Issue): x is Issue => 'reason' in x;

/**
 * The acceptance entries for this node: for every DR or TUN service (a real server's own
 * `forwarding` counts), every real server that is this node's (its `node` is this node, or,
 * without `node`, its address is one of the node's), each VIP:port of the service with that
 * server's acceptVIP. NAT needs nothing on the backend; mode None is done by hand. Objects come
 * in input order; when two ask for the same VIP in different ways, the later one gets an issue
 * and the first keeps working. A VIP outside the cluster administrator's `policy` is never
 * accepted (a tenant's VirtualServer would otherwise put any address on this node's `lo`, or
 * redirect it here): a `VipDenied` issue on the VirtualServer, the other VIPs proceed.
 */
export function selectEntries(
  input: DesiredInput,
  node: NodeIdentity,
  policy: VipPolicy = OPEN_VIP_POLICY,
): DesiredAcceptance {
  const entries: AcceptEntry[] = [];
  const issues: Issue[] = [];
  const claims = new Map<string, Claim>();
  const issued = new Set<string>();
  const issue = (i: Issue): void => {
    const key = `${formatRef(i.object)}|${i.path}|${i.message}`;
    if (!issued.has(key)) issues.push(i);
    issued.add(key);
  };

  for (const vs of input.virtualServers) {
    for (const b of backendsOf(vs, input.realServers)) {
      if (!isOwnRealServer(b.spec, node)) continue;
      const acc = acceptanceOf(vs, b);
      if (acc === undefined) continue;
      if (isIssue(acc)) {
        issue(acc);
        continue;
      }
      for (const [i, a] of (vs.spec.addresses ?? []).entries()) {
        const vip = parseIP(a.ip);
        if (!vip) continue;
        const refusal = vipRefusal(policy, vip.text);
        if (refusal) {
          issue({
            object: refOf(vs),
            path: `spec.addresses[${i}].ip`,
            reason: VIP_DENIED,
            message: refusal,
            vip: vip.text,
          });
          continue;
        }
        if (acc.mode === 'Tunnel' && vip.family !== 4) {
          issue({
            object: b.holder,
            path: `${b.path}.mode`,
            reason: 'AcceptModeUnsupported',
            message: `acceptVIP mode Tunnel is ipip, which carries IPv4 only; VIP ${vip.text} is IPv6`,
            vip: vip.text,
            mode: 'Tunnel',
            address: acc.local,
          });
          continue;
        }
        const claim: Claim = { mode: acc.mode, device: acc.device, perPort: acc.perPort, by: b.holder };
        const prev = claims.get(vip.text);
        if (prev && (prev.mode !== claim.mode || prev.device !== claim.device || prev.perPort !== claim.perPort)) {
          issue({
            object: b.holder,
            path: b.path,
            reason: 'AcceptModeConflict',
            message: `VIP ${vip.text} is already accepted with ${describeClaim(prev)} for ${formatRef(prev.by)}; ${formatRef(b.holder)} asks for ${describeClaim(claim)}`,
            vip: vip.text,
            mode: acc.mode,
            address: acc.local,
          });
          continue;
        }
        if (!prev) claims.set(vip.text, claim);
        entries.push({
          vip: vip.text,
          family: vip.family,
          protocol: L4_PROTOCOLS[vs.spec.protocol],
          port: a.port,
          mode: acc.mode,
          device: acc.device,
          perPort: acc.perPort,
          localAddress: acc.local,
          virtualServer: refOf(vs),
          ...(b.object ? { realServer: b.object } : {}),
        });
      }
    }
  }
  return { entries, issues };
}
