import * as K from './constants.js';
import { parseRuleLines, SCHED_FLAGS, type RuleNetmask, type TunnelChecksum } from './rule-lines.js';
import type { DesiredService, Destination, Service } from './types.js';
import { destId, serviceId } from './types.js';

/**
 * Pure: ipvsadm-restore rules (the output of `ipvsadm -S`, read by rule-lines.ts) as a desired
 * table: `-A`/`-E` lines declare services, `-a`/`-e` lines their destinations, with ipvsadm's
 * defaults (scheduler wlc, weight 1, direct routing, persistence 360 s, full netmask).
 * Commands that are not declarations (-C, -D, -d, -Z, --set...) are refused: the file is a
 * desired state, and applying it never flushes.
 */

/** A rejected line, with its 1-based number. */
export interface RuleIssue {
  readonly line: number;
  readonly message: string;
}

/** The parsed table, or the issues that stopped it. */
export type RulesResult =
  { readonly ok: true; readonly services: DesiredService[] } | { readonly ok: false; readonly issues: RuleIssue[] };

/** ipvsadm's DEF_SCHED. */
export const DEFAULT_SCHEDULER = 'wlc';
/** ipvsadm's IPVS_SVC_PERSISTENT_TIMEOUT (6 minutes), for a bare -p; in ms. */
export const DEFAULT_PERSISTENCE_MS = 360_000;

const TUNNEL_FLAGS: Readonly<Record<TunnelChecksum, number>> = {
  nocsum: K.IP_VS_TUNNEL_ENCAP_FLAG_NOCSUM,
  csum: K.IP_VS_TUNNEL_ENCAP_FLAG_CSUM,
  remcsum: K.IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM,
};

/** The netmask as IPVS_SVC_ATTR_NETMASK carries it: the mask, or the IPv6 prefix length. */
const netmaskOf = (m: RuleNetmask): number => (m.kind === 'mask' ? m.mask : m.length);

/** Parses a rules file into a desired table; every bad line is reported. */
export function parseRules(text: string): RulesResult {
  const read = parseRuleLines(text);
  const issues: RuleIssue[] = read.issues.map(({ line, message }) => ({ line, message }));
  const services = new Map<string, { service: Service; dests: Map<string, Destination> }>();
  for (const r of read.lines) {
    const { line } = r;
    const id = serviceId(r.key);
    if (r.kind === 'service') {
      const prev = services.get(id);
      if (prev && !r.edit) issues.push({ line, message: 'service declared twice' });
      else if (!prev && r.edit) issues.push({ line, message: 'edit of a service not declared above' });
      else {
        const o = r.service;
        const persistent = o.persistent !== undefined;
        let flags = o.onePacket ? K.IP_VS_SVC_F_ONEPACKET : 0;
        for (const f of o.schedFlags) flags |= SCHED_FLAGS[f];
        if (persistent) flags |= K.IP_VS_SVC_F_PERSISTENT;
        const service: Service = {
          key: r.key,
          scheduler: o.scheduler ?? DEFAULT_SCHEDULER,
          flags,
          timeoutMs: persistent ? (o.persistent.timeoutS ?? DEFAULT_PERSISTENCE_MS / 1000) * 1000 : 0,
          netmask: o.netmask ? netmaskOf(o.netmask) : r.key.af === 'inet' ? 0xffffffff : 128,
          peName: o.peName ?? '',
        };
        services.set(id, { service, dests: prev?.dests ?? new Map() });
      }
      continue;
    }
    const svc = services.get(id);
    if (!svc) {
      issues.push({ line, message: 'real server of a service not declared above' });
      continue;
    }
    const d = r.server;
    const destination: Destination = {
      key: { af: d.af, address: d.address, port: d.port ?? (r.key.kind === 'addr' ? r.key.port : 0) },
      forwarding: d.forwarding ?? 'droute',
      weight: d.weight ?? 1,
      upperThreshold: d.upperThreshold ?? 0,
      lowerThreshold: d.lowerThreshold ?? 0,
      tunnelType: d.tunnelType ?? 'ipip',
      tunnelPort: d.tunnelPort ?? 0,
      tunnelFlags: d.tunnelChecksum ? TUNNEL_FLAGS[d.tunnelChecksum] : 0,
    };
    const did = destId(destination.key);
    if (svc.dests.has(did) && !r.edit) issues.push({ line, message: 'real server declared twice' });
    else if (!svc.dests.has(did) && r.edit) issues.push({ line, message: 'edit of a real server not declared above' });
    else svc.dests.set(did, destination);
  }
  if (issues.length > 0) return { ok: false, issues: issues.sort((a, b) => a.line - b.line) };
  return {
    ok: true,
    services: [...services.values()].map((s) => ({ ...s.service, destinations: [...s.dests.values()] })),
  };
}
