/**
 * Pure: the director's part of the node status document (`GET /status`), from its
 * {@link DirectorStatus} and one dump of the kernel table with counters. Real server health is
 * the status items' own entry (realServerEntry), so /status and the VirtualServer status agree.
 * No VRRP authentication and no check settings are read here: nothing secret can leak.
 */
import { forwardingName, serviceId, type ObservedService, type Stats } from '../ipvs/index.js';
import { nameKey } from '../model/index.js';
import type { DirectorStatusSection, IpvsRates, IpvsTotals } from '../status/index.js';
import type { DirectorStatus } from './director.js';
import { realServerEntry } from './status-items.js';

/** The kernel table as read for one document: the dump, or why it failed. */
export type ObservedTable =
  { readonly ok: true; readonly services: readonly ObservedService[] } | { readonly ok: false; readonly error: string };

export interface DirectorSectionInput {
  readonly node: string;
  readonly status: DirectorStatus;
  readonly table: ObservedTable;
  /** When each group last changed state here (ISO), keyed by group ref. */
  readonly transitionTimes: ReadonlyMap<string, string>;
  /** The director's clock now (monotonic ms), for how long destinations have drained. */
  readonly nowMs: number;
}

/** VRRP state names as ipvsadm users and keepalived's logs spell them. */
const STATE_NAME: Readonly<Record<string, string>> = {
  initialize: 'INIT',
  backup: 'BACKUP',
  master: 'MASTER',
  fault: 'FAULT',
};

const num = (v: bigint) => Number(v);
const ratesOf = (s: Stats): IpvsRates => ({
  cps: num(s.cps),
  inPps: num(s.inPps),
  outPps: num(s.outPps),
  inBps: num(s.inBps),
  outBps: num(s.outBps),
});
const totalsOf = (s: Stats): IpvsTotals => ({
  conns: num(s.conns),
  inPkts: num(s.inPkts),
  outPkts: num(s.outPkts),
  inBytes: num(s.inBytes),
  outBytes: num(s.outBytes),
});

export function directorStatusSection(input: DirectorSectionInput): DirectorStatusSection {
  const { node, status, table } = input;
  const owner = new Map<string, string>();
  for (const s of status.services) for (const k of s.ipvsServices) owner.set(serviceId(k), s.ref);
  const services = table.ok ? table.services : [];
  return {
    vrrp: status.groups.map((g) => {
      const since = input.transitionTimes.get(g.ref);
      return {
        group: g.ref,
        vrid: g.vrid,
        interface: g.interface,
        state: STATE_NAME[g.state] ?? g.state.toUpperCase(),
        priority: g.priority,
        effectivePriority: g.effectivePriority,
        ...(g.master === undefined ? {} : { master: g.master }),
        virtualIPs: [...g.virtualIPs],
        ...(g.vipConflicts && g.vipConflicts.length > 0 ? { vipConflicts: [...g.vipConflicts] } : {}),
        ...(since === undefined ? {} : { since }),
      };
    }),
    ipvs: services.map((s) => {
      const vs = owner.get(serviceId(s.key));
      return {
        protocol: s.key.kind === 'fwmark' ? 'FWM' : s.key.protocol.toUpperCase(),
        ...(s.key.kind === 'addr' ? { address: s.key.address, port: s.key.port } : { fwmark: s.key.fwmark }),
        family: s.key.af,
        scheduler: s.scheduler,
        ...(vs === undefined ? {} : { virtualServer: vs }),
        rates: ratesOf(s.stats),
        totals: totalsOf(s.stats),
        destinations: s.destinations.map((d) => ({
          address: d.key.address,
          port: d.key.port,
          forwarding: forwardingName(d.forwarding),
          weight: d.weight,
          activeConns: d.activeConns,
          inactiveConns: d.inactiveConns,
          rates: ratesOf(d.stats),
          totals: totalsOf(d.stats),
        })),
      };
    }),
    ...(table.ok ? {} : { ipvsError: table.error }),
    virtualServers: status.services.map((s) => ({
      virtualServer: s.ref,
      programmed: s.programmed,
      realServers: s.realServers.map((rs) => {
        const entry = realServerEntry(node, s.programmed, rs);
        return {
          address: rs.key.address.text,
          port: rs.key.port,
          ...(rs.realServer ? { realServer: nameKey(rs.realServer) } : {}),
          health: entry?.health ?? 'Unknown',
          ...(entry?.reason === undefined ? {} : { reason: entry.reason }),
          ...(entry?.since === undefined ? {} : { since: entry.since }),
          weight: entry?.weight ?? 0,
          configuredWeight: rs.weight,
        };
      }),
      draining: (s.draining ?? []).map((d) => ({
        address: d.address,
        port: d.port,
        activeConns: d.activeConns,
        inactiveConns: d.inactiveConns,
        drainingMs: Math.max(0, Math.round(input.nowMs - d.sinceMs)),
      })),
    })),
  };
}
