import { parseIP } from '../net/index.js';
import { addressFamilyOf } from './address.js';
import { quoted } from '../core/clip.js';
import * as K from './constants.js';
import type {
  AddressFamily,
  DesiredService,
  Destination,
  ForwardingMethod,
  Protocol,
  Service,
  ServiceKey,
  TunnelType,
} from './types.js';
import { destId, serviceId } from './types.js';

/**
 * Pure parser of ipvsadm-restore rules (the output of `ipvsadm -S`) into a desired table:
 * `-A`/`-E` lines declare services, `-a`/`-e` lines their destinations, with ipvsadm's
 * defaults (scheduler wlc, weight 1, direct routing, persistence 300 s, full netmask).
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

type Mutable<T> = { -readonly [P in keyof T]?: T[P] | undefined };

interface Parsed {
  command: 'service' | 'dest';
  edit: boolean;
  key: ServiceKey;
  service: Mutable<Omit<Service, 'key'>> & { persistent?: boolean };
  dest?: Mutable<Omit<Destination, 'key'>> & { address?: string; port?: number; af?: AddressFamily };
}

const withValue = new Set([
  '-t',
  '--tcp-service',
  '-u',
  '--udp-service',
  '--sctp-service',
  '-f',
  '--fwmark-service',
  '-s',
  '--scheduler',
  '-M',
  '--netmask',
  '--pe',
  '-b',
  '--sched-flags',
  '-r',
  '--real-server',
  '-w',
  '--weight',
  '-x',
  '--u-threshold',
  '-y',
  '--l-threshold',
  '--tun-type',
  '--tun-port',
]);

/** Splits `[addr]:port` or `addr:port` (port optional); undefined when the address is bad. */
function parseAddrPort(text: string): { af: AddressFamily; address: string; port: number | undefined } | undefined {
  let host = text;
  let port: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (v6?.[1]) {
    host = v6[1];
    port = v6[2];
  } else if (text.includes('.') && text.includes(':')) {
    const i = text.lastIndexOf(':');
    host = text.slice(0, i);
    port = text.slice(i + 1);
  }
  if (port !== undefined && (!/^\d+$/.test(port) || Number(port) > 65535)) return undefined;
  const ip = parseIP(host);
  if (!ip) return undefined;
  return { af: addressFamilyOf(ip.family), address: ip.text, port: port === undefined ? undefined : Number(port) };
}

function parseIpv4Mask(text: string): number | undefined {
  const b = parseIP(text, 4)?.bytes;
  if (!b) return undefined;
  return (((b[0] ?? 0) << 24) | ((b[1] ?? 0) << 16) | ((b[2] ?? 0) << 8) | (b[3] ?? 0)) >>> 0;
}

const uint = (v: string, max: number): number | undefined =>
  /^\d+$/.test(v) && Number(v) <= max ? Number(v) : undefined;

/** Parses one rule line into its parts; a string is the reason it was refused. */
function parseLine(tokens: string[]): Parsed | string {
  const [cmd, ...rest] = tokens;
  let command: Parsed['command'];
  let edit = false;
  switch (cmd) {
    case '-A':
    case '--add-service':
      command = 'service';
      break;
    case '-E':
    case '--edit-service':
      command = 'service';
      edit = true;
      break;
    case '-a':
    case '--add-server':
      command = 'dest';
      break;
    case '-e':
    case '--edit-server':
      command = 'dest';
      edit = true;
      break;
    default:
      return `${quoted(cmd ?? '')} is not a service or server declaration (a rules file declares the table; it is never flushed or edited)`;
  }
  let proto: Protocol | undefined;
  let vip: ReturnType<typeof parseAddrPort>;
  let fwmark: number | undefined;
  let ipv6 = false;
  const service: Parsed['service'] = {};
  const dest: NonNullable<Parsed['dest']> = {};
  let schedFlags = 0;
  for (let i = 0; i < rest.length; i++) {
    const opt = rest[i] ?? '';
    let value = '';
    if (withValue.has(opt)) {
      const v = rest[++i];
      if (v === undefined) return `${opt} needs a value`;
      value = v;
    }
    switch (opt) {
      case '-t':
      case '--tcp-service':
      case '-u':
      case '--udp-service':
      case '--sctp-service':
        // ipvsadm refuses a second service option ("multiple service addresses specified").
        if (vip !== undefined || fwmark !== undefined) return `more than one service on the line (${opt})`;
        proto = opt === '-t' || opt === '--tcp-service' ? 'tcp' : opt === '--sctp-service' ? 'sctp' : 'udp';
        vip = parseAddrPort(value);
        if (!vip || vip.port === undefined)
          return `bad service address ${quoted(value)} (want ADDR:PORT or [ADDR6]:PORT)`;
        break;
      case '-f':
      case '--fwmark-service':
        if (vip !== undefined || fwmark !== undefined) return `more than one service on the line (${opt})`;
        fwmark = uint(value, 0xffffffff);
        if (fwmark === undefined || fwmark === 0) return `bad firewall mark ${quoted(value)}`;
        break;
      case '-6':
      case '--ipv6':
        ipv6 = true;
        break;
      case '-s':
      case '--scheduler':
        if (value.length >= K.IP_VS_SCHEDNAME_MAXLEN) return `scheduler name ${quoted(value)} too long`;
        service.scheduler = value;
        break;
      case '-p':
      case '--persistent': {
        service.persistent = true;
        const next = rest[i + 1];
        if (next !== undefined && /^\d+$/.test(next)) {
          service.timeoutMs = Number(next) * 1000;
          i++;
        }
        break;
      }
      case '-M':
      case '--netmask':
        service.netmask = value.includes('.') ? parseIpv4Mask(value) : uint(value, 128);
        if (service.netmask === undefined) return `bad netmask ${quoted(value)}`;
        break;
      case '-o':
      case '--ops':
        service.flags = (service.flags ?? 0) | K.IP_VS_SVC_F_ONEPACKET;
        break;
      case '--pe':
        service.peName = value;
        break;
      case '-b':
      case '--sched-flags':
        for (const f of value.split(',')) {
          const bit = SCHED_FLAG[f];
          if (bit === undefined) return `unknown scheduler flag ${quoted(f)}`;
          schedFlags |= bit;
        }
        break;
      case '-r':
      case '--real-server': {
        const r = parseAddrPort(value);
        if (!r) return `bad real server address ${quoted(value)}`;
        dest.af = r.af;
        dest.address = r.address;
        if (r.port !== undefined) dest.port = r.port;
        break;
      }
      case '-g':
      case '--gatewaying':
      case '-i':
      case '--ipip':
      case '-m':
      case '--masquerading':
        dest.forwarding = FORWARD[opt];
        break;
      case '-w':
      case '--weight':
        dest.weight = uint(value, 65535);
        if (dest.weight === undefined) return `bad weight ${quoted(value)}`;
        break;
      case '-x':
      case '--u-threshold':
      case '-y':
      case '--l-threshold': {
        const n = uint(value, 0xffffffff);
        if (n === undefined) return `bad threshold ${quoted(value)}`;
        if (opt === '-x' || opt === '--u-threshold') dest.upperThreshold = n;
        else dest.lowerThreshold = n;
        break;
      }
      case '--tun-type':
        if (value !== 'ipip' && value !== 'gue' && value !== 'gre') return `unknown tunnel type ${quoted(value)}`;
        dest.tunnelType = value as TunnelType;
        break;
      case '--tun-port':
        dest.tunnelPort = uint(value, 65535);
        if (dest.tunnelPort === undefined) return `bad tunnel port ${quoted(value)}`;
        break;
      case '--tun-nocsum':
        dest.tunnelFlags = K.IP_VS_TUNNEL_ENCAP_FLAG_NOCSUM;
        break;
      case '--tun-csum':
        dest.tunnelFlags = K.IP_VS_TUNNEL_ENCAP_FLAG_CSUM;
        break;
      case '--tun-remcsum':
        dest.tunnelFlags = K.IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM;
        break;
      default:
        return `unknown option ${quoted(opt)}`;
    }
  }
  if (schedFlags) service.flags = (service.flags ?? 0) | schedFlags;
  let key: ServiceKey;
  if (fwmark !== undefined) {
    if (vip) return 'a service is either ADDR:PORT or a firewall mark, not both';
    key = { kind: 'fwmark', af: ipv6 ? 'inet6' : 'inet', fwmark };
  } else if (vip && proto && vip.port !== undefined) {
    key = { kind: 'addr', af: vip.af, protocol: proto, address: vip.address, port: vip.port };
  } else return 'no service given (-t, -u, --sctp-service or -f)';
  if (command === 'dest' && dest.address === undefined) return 'no real server given (-r)';
  return command === 'dest' ? { command, edit, key, service, dest } : { command, edit, key, service };
}

const FORWARD: Record<string, ForwardingMethod> = {
  '-g': 'droute',
  '--gatewaying': 'droute',
  '-i': 'tunnel',
  '--ipip': 'tunnel',
  '-m': 'masq',
  '--masquerading': 'masq',
};

const SCHED_FLAG: Record<string, number> = {
  'flag-1': K.IP_VS_SVC_F_SCHED1,
  'flag-2': K.IP_VS_SVC_F_SCHED2,
  'flag-3': K.IP_VS_SVC_F_SCHED3,
  'sh-fallback': K.IP_VS_SVC_F_SCHED_SH_FALLBACK,
  'sh-port': K.IP_VS_SVC_F_SCHED_SH_PORT,
  'mh-fallback': K.IP_VS_SVC_F_SCHED_MH_FALLBACK,
  'mh-port': K.IP_VS_SVC_F_SCHED_MH_PORT,
};

/** Splits a line into words, dropping comments. */
function tokenize(line: string): string[] {
  const hash = line.indexOf('#');
  return (hash === -1 ? line : line.slice(0, hash)).trim().split(/\s+/).filter(Boolean);
}

/** Parses a rules file into a desired table; every bad line is reported. */
export function parseRules(text: string): RulesResult {
  const issues: RuleIssue[] = [];
  const services = new Map<string, { service: Service; dests: Map<string, Destination> }>();
  text.split('\n').forEach((raw, idx) => {
    const tokens = tokenize(raw);
    if (tokens.length === 0) return;
    const line = idx + 1;
    const p = parseLine(tokens);
    if (typeof p === 'string') {
      issues.push({ line, message: p });
      return;
    }
    const id = serviceId(p.key);
    if (p.command === 'service') {
      const prev = services.get(id);
      if (prev && !p.edit) return void issues.push({ line, message: 'service declared twice' });
      if (!prev && p.edit) return void issues.push({ line, message: 'edit of a service not declared above' });
      const persistent = p.service.persistent === true;
      const flags = (p.service.flags ?? 0) | (persistent ? K.IP_VS_SVC_F_PERSISTENT : 0);
      const service: Service = {
        key: p.key,
        scheduler: p.service.scheduler ?? DEFAULT_SCHEDULER,
        flags,
        timeoutMs: persistent ? (p.service.timeoutMs ?? DEFAULT_PERSISTENCE_MS) : 0,
        netmask: p.service.netmask ?? (p.key.af === 'inet' ? 0xffffffff : 128),
        peName: p.service.peName ?? '',
      };
      services.set(id, { service, dests: prev?.dests ?? new Map() });
      return;
    }
    const svc = services.get(id);
    if (!svc) return void issues.push({ line, message: 'real server of a service not declared above' });
    const d = p.dest ?? {};
    const destination: Destination = {
      key: {
        af: d.af ?? p.key.af,
        address: d.address ?? '',
        port: d.port ?? (p.key.kind === 'addr' ? p.key.port : 0),
      },
      forwarding: d.forwarding ?? 'droute',
      weight: d.weight ?? 1,
      upperThreshold: d.upperThreshold ?? 0,
      lowerThreshold: d.lowerThreshold ?? 0,
      tunnelType: d.tunnelType ?? 'ipip',
      tunnelPort: d.tunnelPort ?? 0,
      tunnelFlags: d.tunnelFlags ?? 0,
    };
    const did = destId(destination.key);
    if (svc.dests.has(did) && !p.edit) return void issues.push({ line, message: 'real server declared twice' });
    if (!svc.dests.has(did) && p.edit)
      return void issues.push({ line, message: 'edit of a real server not declared above' });
    svc.dests.set(did, destination);
  });
  if (issues.length > 0) return { ok: false, issues };
  return {
    ok: true,
    services: [...services.values()].map((s) => ({ ...s.service, destinations: [...s.dests.values()] })),
  };
}
