/**
 * Pure selection: from the model's services and this node's identity, the VIPs this node must
 * accept and how (DESIGN.md, the realserver role). No I/O.
 */
import { OPEN_VIP_POLICY, VIP_DENIED, vipRefusal, type VipPolicy } from '../api/index.js';
import type { ParsedIP } from '../api/index.js';
import { formatRef, type BackendModel, type Model, type ObjectRef, type ServiceModel } from '../model/index.js';
import type { AcceptEntry, AcceptMode, Issue, L4Protocol, NodeIdentity } from './types.js';

/** What the selection reads: the model's services and RealServer objects. */
export type DesiredInput = Pick<Model, 'services' | 'realServers'>;

/** The selection's result: entries to apply and issues per object. */
export interface DesiredAcceptance {
  readonly entries: readonly AcceptEntry[];
  readonly issues: readonly Issue[];
}

/** Prefix of the ipip devices this role creates for Tunnel when no device is named. */
export const TUNNEL_DEVICE_PREFIX = 'lvsip-';

/**
 * The ipip device for a local IPv4 address: `lvsip-` and the address in hex (14 bytes, within
 * IFNAMSIZ), so one address always maps to the same device across restarts.
 */
export function tunnelDeviceName(local: ParsedIP): string {
  return TUNNEL_DEVICE_PREFIX + Array.from(local.bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

const L4_PROTOCOLS: Readonly<Record<ServiceModel['protocol'], L4Protocol>> = {
  TCP: 'tcp',
  UDP: 'udp',
  SCTP: 'sctp',
};

/** "spec.realServers[0].acceptVIP": a field path as the realserver role's issues print it. */
function pathText(path: readonly (string | number)[]): string {
  return path.reduce<string>((out, p) => (typeof p === 'number' ? `${out}[${p}]` : out ? `${out}.${p}` : p), '');
}

/** Where a backend's acceptVIP block is, inside the object that holds it. */
const acceptPath = (b: BackendModel): string => `${pathText(b.path)}.acceptVIP`;

/** True when a real server is this node's: its `node`, or without one, one of the node's addresses. */
export function isOwnRealServer(
  server: { readonly node?: string; readonly address: ParsedIP },
  node: NodeIdentity,
): boolean {
  if (server.node !== undefined) return server.node === node.nodeName;
  return node.localAddresses.has(server.address.text);
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
function acceptanceOf(svc: ServiceModel, b: BackendModel): Acceptance | Issue | undefined {
  const forwarding = b.forwarding;
  const accept = b.acceptVIP;
  if (forwarding === 'NAT' || accept.mode === 'None') return undefined;
  const unsupported = (message: string): Issue => ({
    object: b.holder,
    path: `${acceptPath(b)}.mode`,
    reason: 'AcceptModeUnsupported',
    message,
  });
  if (svc.fwmark !== undefined) {
    return {
      object: svc.ref,
      path: 'spec.fwmark',
      reason: 'FwmarkVipsUnknown',
      message:
        'a fwmark service does not name its VIPs, so the realserver role cannot accept them: list addresses, or set acceptVIP mode None and accept the VIPs by hand',
    };
  }
  const local = b.key.address;
  if (accept.mode === 'Tunnel' && forwarding !== 'TUN') {
    return unsupported(`acceptVIP mode Tunnel needs forwarding TUN, not ${forwarding}`);
  }
  if (accept.mode === 'Tunnel' && local.family !== 4) {
    return unsupported(`acceptVIP mode Tunnel is ipip, which needs an IPv4 real server address, not ${local.text}`);
  }
  const localText = local.text;
  switch (accept.mode) {
    case 'IptablesRedirect':
      return { mode: accept.mode, device: '', perPort: accept.perPort, local: localText };
    case 'Tunnel':
      return {
        mode: accept.mode,
        device: accept.device === 'lo' ? tunnelDeviceName(local) : accept.device,
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

  for (const svc of input.services) {
    const vsRef = svc.ref;
    for (const b of svc.backends) {
      if (!isOwnRealServer({ address: b.key.address, ...(b.node === undefined ? {} : { node: b.node }) }, node))
        continue;
      const holder = b.holder;
      const path = acceptPath(b);
      const acc = acceptanceOf(svc, b);
      if (acc === undefined) continue;
      if (isIssue(acc)) {
        issue(acc);
        continue;
      }
      for (const [i, a] of svc.addresses.entries()) {
        const vip = a.ip;
        const refusal = vipRefusal(policy, { ip: vip, prefixLength: vip.family === 4 ? 32 : 128 });
        if (refusal) {
          issue({
            object: vsRef,
            path: `spec.addresses[${i}].ip`,
            reason: VIP_DENIED,
            message: refusal,
            vip: vip.text,
          });
          continue;
        }
        if (acc.mode === 'Tunnel' && vip.family !== 4) {
          issue({
            object: holder,
            path: `${path}.mode`,
            reason: 'AcceptModeUnsupported',
            message: `acceptVIP mode Tunnel is ipip, which carries IPv4 only; VIP ${vip.text} is IPv6`,
            vip: vip.text,
            mode: 'Tunnel',
            address: acc.local,
          });
          continue;
        }
        const claim: Claim = { mode: acc.mode, device: acc.device, perPort: acc.perPort, by: holder };
        const prev = claims.get(vip.text);
        if (prev && (prev.mode !== claim.mode || prev.device !== claim.device || prev.perPort !== claim.perPort)) {
          issue({
            object: holder,
            path,
            reason: 'AcceptModeConflict',
            message: `VIP ${vip.text} is already accepted with ${describeClaim(prev)} for ${formatRef(prev.by)}; ${formatRef(holder)} asks for ${describeClaim(claim)}`,
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
          protocol: L4_PROTOCOLS[svc.protocol],
          port: a.port,
          mode: acc.mode,
          device: acc.device,
          perPort: acc.perPort,
          localAddress: acc.local,
          virtualServer: vsRef,
          ...(b.realServer ? { realServer: b.realServer } : {}),
        });
      }
    }
  }
  return { entries, issues };
}
