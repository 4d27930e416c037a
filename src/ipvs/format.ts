import { parseIP } from '../net/index.js';
import { familyNumber } from './address.js';
import * as K from './constants.js';
import { ZERO_STATS } from './types.js';
import type {
  DestKey,
  Destination,
  IpvsInfo,
  ObservedDestination,
  ObservedService,
  Op,
  Protocol,
  ServiceKey,
} from './types.js';

/**
 * Pure rendering of the IPVS table exactly as ipvsadm 1.31 prints it (ipvsadm.c: list_all,
 * print_title, print_service_entry, print_largenum; libipvs: ipvs_cmp_services,
 * ipvs_cmp_dests), so that `lvsctl ipvs list` output is byte-identical to `ipvsadm -L`.
 */

/** Names for addresses and ports when -n is not given (gethostbyaddr, getservbyport). */
export interface NameLookup {
  host(af: ServiceKey['af'], address: string): string | undefined;
  service(port: number, protocol: Protocol | undefined): string | undefined;
}

/** The listing options ipvsadm -L takes. */
export interface ListOptions {
  readonly numeric: boolean;
  readonly stats: boolean;
  readonly rate: boolean;
  readonly exact: boolean;
  readonly thresholds: boolean;
  readonly persistentConn: boolean;
  /** --nosort: kernel order. (--sort is ipvsadm's default and a no-op.) */
  readonly nosort: boolean;
  /** -t/-u/-f: only this service, without the version line. */
  readonly service?: ServiceKey;
}

/** Options with ipvsadm's defaults. */
export const DEFAULT_LIST_OPTIONS: ListOptions = {
  numeric: false,
  stats: false,
  rate: false,
  exact: false,
  thresholds: false,
  persistentConn: false,
  nosort: false,
};

const numericNames: NameLookup = { host: () => undefined, service: () => undefined };

const pad = (s: string, n: number): string => s.padEnd(n);
const right = (s: string, n: number): string => s.padStart(n);

/** ipvsadm's print_largenum: 9 columns, or K/M/G/T above 10^8 unless --exact. */
export function largeNumber(v: bigint, exact: boolean): string {
  if (exact) {
    const s = v.toString();
    return right(s, s.length <= 8 ? 9 : s.length + 1);
  }
  if (v < 100_000_000n) return right(v.toString(), 9);
  if (v < 1_000_000_000n) return right((v / 1000n).toString(), 8) + 'K';
  if (v < 100_000_000_000n) return right((v / 1_000_000n).toString(), 8) + 'M';
  if (v < 100_000_000_000_000n) return right((v / 1_000_000_000n).toString(), 8) + 'G';
  return right((v / 1_000_000_000_000n).toString(), 8) + 'T';
}

function title(o: ListOptions): string {
  const h = (cols: string[], w: number, left: boolean): string =>
    `${pad('Prot LocalAddress:Port', 33)} ${cols.map((c) => (left ? pad(c, w) : right(c, w))).join(' ')}\n  -> RemoteAddress:Port\n`;
  if (o.stats) return h(['Conns', 'InPkts', 'OutPkts', 'InBytes', 'OutBytes'], 8, false);
  if (o.rate) return h(['CPS', 'InPPS', 'OutPPS', 'InBPS', 'OutBPS'], 8, false);
  if (o.thresholds) {
    return `${pad('Prot LocalAddress:Port', 33)} ${['Uthreshold', 'Lthreshold', 'ActiveConn', 'InActConn'].map((c) => pad(c, 10)).join(' ')}\n  -> RemoteAddress:Port\n`;
  }
  if (o.persistentConn) {
    return `${pad('Prot LocalAddress:Port', 33)} ${pad('Weight', 9)} ${pad('PersistConn', 11)} ${pad('ActiveConn', 10)} ${pad('InActConn', 10)}\n  -> RemoteAddress:Port\n`;
  }
  return 'Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n';
}

const protoOf = (k: ServiceKey): Protocol | undefined => (k.kind === 'addr' ? k.protocol : undefined);

/** ipvsadm's addrport_to_anyname: host or address, then service name or port. */
function addrPort(
  af: ServiceKey['af'],
  address: string,
  port: number,
  proto: Protocol | undefined,
  names: NameLookup,
): string {
  const host = names.host(af, address) ?? address;
  const svc = names.service(port, proto) ?? String(port);
  return af === 'inet6' ? `[${host}]:${svc}` : `${host}:${svc}`;
}

/** The service column ("TCP  192.0.2.1:80", "FWM  7 IPv6"). */
function serviceName(k: ServiceKey, names: NameLookup): string {
  if (k.kind === 'fwmark') return k.af === 'inet6' ? `FWM  ${k.fwmark} IPv6` : `FWM  ${k.fwmark}`;
  const label = k.protocol === 'tcp' ? 'TCP' : k.protocol === 'udp' ? 'UDP' : 'SCTP';
  const s = `${pad(label, 4)} ${addrPort(k.af, k.address, k.port, k.protocol, names)}`;
  return k.af === 'inet6' ? s : s.slice(0, 33);
}

/** Scheduler flags as ipvsadm names them for the scheduler ("sh-fallback,sh-port"). */
export function schedulerFlagNames(scheduler: string, flags: number): string[] {
  const out: string[] = [];
  const known = scheduler === 'sh' || scheduler === 'mh' ? scheduler : undefined;
  if (flags & K.IP_VS_SVC_F_SCHED1) out.push(known ? `${known}-fallback` : 'flag-1');
  if (flags & K.IP_VS_SVC_F_SCHED2) out.push(known ? `${known}-port` : 'flag-2');
  if (flags & K.IP_VS_SVC_F_SCHED3) out.push('flag-3');
  return out;
}

/** Formats a persistence netmask as ipvsadm does (dotted for IPv4, prefix for IPv6). */
function maskText(s: ObservedService): string | undefined {
  if (s.key.af === 'inet') {
    if (s.netmask >>> 0 === 0xffffffff) return undefined;
    const n = s.netmask >>> 0;
    return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
  }
  return s.netmask === 128 ? undefined : String(s.netmask);
}

function serviceLine(s: ObservedService, o: ListOptions, names: NameLookup): string {
  const name = serviceName(s.key, names);
  if (o.stats) {
    const st = s.stats;
    return (
      pad(name, 33) +
      [st.conns, st.inPkts, st.outPkts, st.inBytes, st.outBytes].map((v) => largeNumber(v, o.exact)).join('')
    );
  }
  if (o.rate) {
    const st = s.stats;
    return (
      pad(name, 33) + [st.cps, st.inPps, st.outPps, st.inBps, st.outBps].map((v) => largeNumber(v, o.exact)).join('')
    );
  }
  let line = `${name} ${s.scheduler}`;
  const sched = schedulerFlagNames(s.scheduler, s.flags);
  if (sched.length > 0) line += ` (${sched.join(',')})`;
  if (s.flags & K.IP_VS_SVC_F_PERSISTENT) {
    line += ` persistent ${Math.round(s.timeoutMs / 1000)}`;
    const mask = maskText(s);
    if (mask !== undefined) line += ` mask ${mask}`;
  }
  if (s.peName) line += ` pe ${s.peName}`;
  if (s.flags & K.IP_VS_SVC_F_ONEPACKET) line += ' ops';
  return line;
}

const FORWARD_NAME: Record<Destination['forwarding'], string> = {
  masq: 'Masq',
  local: 'Local',
  tunnel: 'Tunnel',
  droute: 'Route',
  bypass: 'Bypass',
};

/** A forwarding method as ipvsadm prints it (Route, Masq, Tunnel, Local, Bypass). */
export function forwardingName(method: Destination['forwarding']): string {
  return FORWARD_NAME[method];
}

function destLine(s: ObservedService, d: ObservedDestination, o: ListOptions, names: NameLookup): string {
  let dname = addrPort(d.key.af, d.key.address, d.key.port, protoOf(s.key), names);
  if (s.key.af !== 'inet6') dname = dname.slice(0, 28);
  const head = `  -> ${pad(dname, 28)}`;
  const st = d.stats;
  if (o.stats)
    return (
      head + [st.conns, st.inPkts, st.outPkts, st.inBytes, st.outBytes].map((v) => largeNumber(v, o.exact)).join('')
    );
  if (o.rate) {
    return (
      head +
      [st.cps, st.inPps, st.outPps].map((v) => ' ' + right((v & 0xffffffffn).toString(), 8)).join('') +
      [st.inBps, st.outBps].map((v) => largeNumber(v, o.exact)).join('')
    );
  }
  if (o.thresholds) {
    return `${head} ${[d.upperThreshold, d.lowerThreshold, d.activeConns, d.inactiveConns].map((v) => pad(String(v), 10)).join(' ')}`;
  }
  if (o.persistentConn) {
    return `${head} ${pad(String(d.weight), 9)} ${pad(String(d.persistConns), 11)} ${pad(String(d.activeConns), 10)} ${pad(String(d.inactiveConns), 10)}`;
  }
  return `${head} ${pad(FORWARD_NAME[d.forwarding], 7)} ${pad(String(d.weight), 6)} ${pad(String(d.activeConns), 10)} ${pad(String(d.inactiveConns), 10)}`;
}

/** `ipvsadm -L` with the given options, newline-terminated. */
export function formatList(
  info: IpvsInfo,
  table: readonly ObservedService[],
  o: ListOptions,
  names: NameLookup = numericNames,
): string {
  const lookup = o.numeric ? numericNames : names;
  let out = '';
  let services = [...table];
  if (o.service) {
    const k = o.service;
    services = services.filter((s) => sameKey(s.key, k));
  } else {
    const v = info.version;
    out += `IP Virtual Server version ${(v >> 16) & 0xff}.${(v >> 8) & 0xff}.${v & 0xff} (size=${info.connTableSize})\n`;
  }
  out += title(o);
  if (!o.nosort) services = glibcMergeSort(services, compareServices);
  for (const s of services) {
    out += serviceLine(s, o, lookup) + '\n';
    const dests = o.nosort ? s.destinations : glibcMergeSort(s.destinations, compareDests);
    for (const d of dests) out += destLine(s, d, o, lookup) + '\n';
  }
  return out;
}

/** `ipvsadm -S` (-n when numeric): the table as ipvsadm-restore rules. */
export function formatRules(
  table: readonly ObservedService[],
  numeric: boolean,
  names: NameLookup = numericNames,
): string {
  const lookup = numeric ? numericNames : names;
  let out = '';
  for (const s of glibcMergeSort([...table], compareServices)) {
    const k = s.key;
    const svc =
      k.kind === 'fwmark'
        ? `-f ${k.fwmark}${k.af === 'inet6' ? ' -6' : ''}`
        : `${k.protocol === 'tcp' ? '-t' : k.protocol === 'udp' ? '-u' : '--sctp-service'} ${addrPort(k.af, k.address, k.port, k.protocol, lookup)}`;
    let line = `-A ${svc} -s ${s.scheduler}`;
    if (s.flags & K.IP_VS_SVC_F_PERSISTENT) {
      line += ` -p ${Math.round(s.timeoutMs / 1000)}`;
      const mask = maskText(s);
      if (mask !== undefined) line += ` -M ${mask}`;
    }
    if (s.peName) line += ` --pe ${s.peName}`;
    if (s.flags & K.IP_VS_SVC_F_ONEPACKET) line += ' -o';
    const sched = schedulerFlagNames(s.scheduler, s.flags);
    if (sched.length > 0) line += ` -b ${sched.join(',')}`;
    out += line + '\n';
    for (const d of glibcMergeSort(s.destinations, compareDests)) {
      const fwd = d.forwarding === 'masq' ? '-m' : d.forwarding === 'tunnel' ? '-i' : '-g';
      let dl = `-a ${svc} -r ${addrPort(d.key.af, d.key.address, d.key.port, protoOf(k), lookup)} ${fwd} -w ${d.weight}`;
      if (d.forwarding === 'tunnel') {
        dl += ` --tun-type ${d.tunnelType}`;
        if (d.tunnelType === 'gue') dl += ` --tun-port ${d.tunnelPort}`;
        if (d.tunnelType !== 'ipip') {
          if (d.tunnelFlags & K.IP_VS_TUNNEL_ENCAP_FLAG_CSUM) dl += ' --tun-csum';
          else if (d.tunnelFlags & K.IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM) dl += ' --tun-remcsum';
          else dl += ' --tun-nocsum';
        }
      }
      out += dl + '\n';
    }
  }
  return out;
}

/** A service key as people write it ("tcp 192.0.2.1:80", "fwmark 7"), for logs. */
export function formatServiceKey(k: ServiceKey): string {
  if (k.kind === 'fwmark') return `fwmark ${k.fwmark}${k.af === 'inet6' ? ' ipv6' : ''}`;
  return `${k.protocol} ${k.af === 'inet6' ? `[${k.address}]` : k.address}:${k.port}`;
}

function sameKey(a: ServiceKey, b: ServiceKey): boolean {
  if (a.kind === 'fwmark' || b.kind === 'fwmark') {
    return a.kind === 'fwmark' && b.kind === 'fwmark' && a.fwmark === b.fwmark && a.af === b.af;
  }
  return a.protocol === b.protocol && a.address === b.address && a.port === b.port;
}

/** The address as the big-endian 32-bit words libipvs compares with ntohl(). */
function words(af: ServiceKey['af'], address: string): number[] {
  const b = parseIP(address, familyNumber(af))?.bytes;
  if (!b) return [0, 0, 0, 0];
  const out: number[] = [];
  for (let i = 0; i < b.length; i += 4)
    out.push((((b[i] ?? 0) << 24) | ((b[i + 1] ?? 0) << 16) | ((b[i + 2] ?? 0) << 8) | (b[i + 3] ?? 0)) >>> 0);
  return out;
}

/** C's `int r = a - b` for unsigned operands: the difference wrapped to a signed 32-bit int. */
const cdiff = (a: number, b: number): number => (a - b) | 0;

const PROTO_NUM = { tcp: K.IPPROTO_TCP, udp: K.IPPROTO_UDP, sctp: K.IPPROTO_SCTP };

/**
 * libipvs's ipvs_cmp_services: fwmark, family, protocol, address words, port, each as a
 * wrapped int difference (so 200.0.0.0 sorts before 10.0.0.0, as ipvsadm shows it).
 */
export function compareServices(a: ObservedService, b: ObservedService): number {
  const fa = a.key.kind === 'fwmark' ? a.key.fwmark : 0;
  const fb = b.key.kind === 'fwmark' ? b.key.fwmark : 0;
  let r = cdiff(fa, fb);
  if (r) return r;
  r = (a.key.af === 'inet' ? K.AF_INET : K.AF_INET6) - (b.key.af === 'inet' ? K.AF_INET : K.AF_INET6);
  if (r) return r;
  const pa = a.key.kind === 'addr' ? PROTO_NUM[a.key.protocol] : 0;
  const pb = b.key.kind === 'addr' ? PROTO_NUM[b.key.protocol] : 0;
  r = pa - pb;
  if (r) return r;
  const wa = a.key.kind === 'addr' ? words(a.key.af, a.key.address) : [0, 0, 0, 0];
  const wb = b.key.kind === 'addr' ? words(b.key.af, b.key.address) : [0, 0, 0, 0];
  const n = a.key.af === 'inet6' ? 4 : 1;
  for (let i = 0; !r && i < n; i++) r = cdiff(wa[i] ?? 0, wb[i] ?? 0);
  if (r) return r;
  return (a.key.kind === 'addr' ? a.key.port : 0) - (b.key.kind === 'addr' ? b.key.port : 0);
}

/** libipvs's ipvs_cmp_dests: address words (by the first one's family), then port. */
export function compareDests(a: ObservedDestination, b: ObservedDestination): number {
  const wa = words(a.key.af, a.key.address);
  const wb = words(b.key.af, b.key.address);
  let r = 0;
  const n = a.key.af === 'inet6' ? 4 : 1;
  for (let i = 0; !r && i < n; i++) r = cdiff(wa[i] ?? 0, wb[i] ?? 0);
  if (r) return r;
  return a.key.port - b.key.port;
}

/**
 * glibc's qsort as ipvsadm gets it (stdlib/msort.c, msort_with_tmp): a top-down merge sort
 * that splits n into n/2 and n - n/2 and takes from the left run while cmp <= 0. Reproducing
 * the algorithm keeps the order identical even where the comparator is not transitive.
 */
export function glibcMergeSort<T>(items: readonly T[], cmp: (a: T, b: T) => number): T[] {
  const a = [...items];
  const tmp = new Array<T>(a.length);
  const sort = (lo: number, n: number): void => {
    if (n <= 1) return;
    const n1 = Math.floor(n / 2);
    const n2 = n - n1;
    sort(lo, n1);
    sort(lo + n1, n2);
    let i = lo;
    let j = lo + n1;
    let k = 0;
    let r1 = n1;
    let r2 = n2;
    while (r1 > 0 && r2 > 0) {
      if (cmp(a[i] as T, a[j] as T) <= 0) {
        tmp[k++] = a[i++] as T;
        r1--;
      } else {
        tmp[k++] = a[j++] as T;
        r2--;
      }
    }
    while (r1-- > 0) tmp[k++] = a[i++] as T;
    for (let m = 0; m < k; m++) a[lo + m] = tmp[m] as T;
  };
  sort(0, a.length);
  return a;
}

/** One op as an ipvsadm command line (-A/-E/-D, -a/-e/-d), numeric, for dry runs and logs. */
export function formatOp(op: Op): string {
  const svc = (k: ServiceKey): string =>
    k.kind === 'fwmark'
      ? `-f ${k.fwmark}${k.af === 'inet6' ? ' -6' : ''}`
      : `${k.protocol === 'tcp' ? '-t' : k.protocol === 'udp' ? '-u' : '--sctp-service'} ${addrPort(k.af, k.address, k.port, k.protocol, numericNames)}`;
  const rs = (d: DestKey): string => `-r ${addrPort(d.af, d.address, d.port, undefined, numericNames)}`;
  switch (op.op) {
    case 'addService':
    case 'updateService': {
      const one = formatRules([{ ...op.service, stats: ZERO_STATS, destinations: [] }], true).trimEnd();
      return op.op === 'addService' ? one : one.replace(/^-A /, '-E ');
    }
    case 'deleteService':
      return `-D ${svc(op.key)}`;
    case 'addDestination':
    case 'updateDestination': {
      const d = op.destination;
      const fwd = d.forwarding === 'masq' ? '-m' : d.forwarding === 'tunnel' ? '-i' : '-g';
      const thresholds = `${d.upperThreshold ? ` -x ${d.upperThreshold}` : ''}${d.lowerThreshold ? ` -y ${d.lowerThreshold}` : ''}`;
      return `${op.op === 'addDestination' ? '-a' : '-e'} ${svc(op.service)} ${rs(d.key)} ${fwd} -w ${d.weight}${thresholds}`;
    }
    case 'deleteDestination':
      return `-d ${svc(op.service)} ${rs(op.key)}`;
  }
}
