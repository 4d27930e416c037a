import { parseIP } from '../net/index.js';
import { quoted } from '../core/index.js';
import { addressFamilyOf } from './address.js';
import * as K from './constants.js';
import type { AddressFamily, ForwardingMethod, Protocol, ServiceKey, TunnelType } from './types.js';

/**
 * The one parser of the ipvsadm rule format: what `ipvsadm -S` / `ipvsadm-save` writes and
 * `ipvsadm -R` reads (ipvsadm(8)), one command per line with ipvsadm's short and long options.
 * It reads what each line says, typed and with its position, and applies no defaults: the
 * desired table (rules.ts, `lvsctl ipvs apply`) and the manifest importer
 * (src/keepalived/convert-ipvsadm.ts, `lvsctl import --ipvsadm`) each apply their own.
 * Only declarations are read (-A/-E services, -a/-e servers); -C, -D, -d, -Z, --set and the
 * rest are refused: a rules file declares a table. Pure.
 */

/** A position in the text: 1-based line and column. */
export interface RulePos {
  readonly line: number;
  readonly col: number;
}

/** What is wrong with a refused line: its syntax, a value, or an address. */
export type RuleProblem = 'syntax' | 'value' | 'address';

/** A refused line, at the word that is wrong. */
export interface RuleLineIssue extends RulePos {
  readonly problem: RuleProblem;
  readonly message: string;
}

/** ipvsadm's --sched-flags names (ipvsadm.c, parse_sched_flags). */
export const SCHED_FLAGS = {
  'flag-1': K.IP_VS_SVC_F_SCHED1,
  'flag-2': K.IP_VS_SVC_F_SCHED2,
  'flag-3': K.IP_VS_SVC_F_SCHED3,
  'sh-fallback': K.IP_VS_SVC_F_SCHED_SH_FALLBACK,
  'sh-port': K.IP_VS_SVC_F_SCHED_SH_PORT,
  'mh-fallback': K.IP_VS_SVC_F_SCHED_MH_FALLBACK,
  'mh-port': K.IP_VS_SVC_F_SCHED_MH_PORT,
} as const;
export type SchedFlag = keyof typeof SCHED_FLAGS;

/** The --tun-nocsum, --tun-csum and --tun-remcsum options. */
export type TunnelChecksum = 'nocsum' | 'csum' | 'remcsum';

/** Netmask text: a dotted IPv4 mask (as a 32-bit number) or a prefix length (IPv6). */
export type RuleNetmask =
  { readonly kind: 'mask'; readonly mask: number } | { readonly kind: 'prefix'; readonly length: number };

/** The service options a line gives; absent when the line does not give them. */
export interface RuleServiceOptions {
  readonly scheduler?: string;
  /** -p, with its timeout in seconds when one follows. */
  readonly persistent?: { readonly timeoutS?: number };
  readonly netmask?: RuleNetmask;
  readonly onePacket: boolean;
  readonly schedFlags: readonly SchedFlag[];
  readonly peName?: string;
}

/** The real server a line gives with -r and its options; absent when not given. */
export interface RuleServer {
  readonly af: AddressFamily;
  /** Canonical text (src/net's codec). */
  readonly address: string;
  /** Absent: the service's port, as ipvsadm. */
  readonly port?: number;
  /** -g, -m, -i: the methods ipvsadm's options name. */
  readonly forwarding?: Extract<ForwardingMethod, 'droute' | 'masq' | 'tunnel'>;
  readonly weight?: number;
  readonly upperThreshold?: number;
  readonly lowerThreshold?: number;
  readonly tunnelType?: TunnelType;
  readonly tunnelPort?: number;
  readonly tunnelChecksum?: TunnelChecksum;
}

/** One declaration: an -A/-E service line or an -a/-e server line. */
export type RuleLine = RulePos & { readonly edit: boolean; readonly key: ServiceKey } & (
    | { readonly kind: 'service'; readonly service: RuleServiceOptions }
    | { readonly kind: 'server'; readonly server: RuleServer }
  );

/** The declarations of a rules text in order, and the lines refused. */
export interface RuleLines {
  readonly lines: RuleLine[];
  readonly issues: RuleLineIssue[];
}

/** ipvsadm's MAX_TIMEOUT (31 days) bounds -p, as parse_timeout does. */
const MAX_PERSISTENCE_S = 86_400 * 31;

/** Port names `ipvsadm -S` prints without -n (getservbyport), from /etc/services. */
const SERVICE_PORTS: Readonly<Record<string, number>> = {
  ftp: 21,
  ssh: 22,
  smtp: 25,
  domain: 53,
  http: 80,
  www: 80,
  pop3: 110,
  imap: 143,
  ldap: 389,
  https: 443,
  submission: 587,
  ldaps: 636,
  imaps: 993,
  pop3s: 995,
  mysql: 3306,
  postgresql: 5432,
};

/** Long options as their short names (ipvsadm.c, long_options). */
const SHORT: Readonly<Record<string, string>> = {
  '--add-service': '-A',
  '--edit-service': '-E',
  '--add-server': '-a',
  '--edit-server': '-e',
  '--tcp-service': '-t',
  '--udp-service': '-u',
  '--fwmark-service': '-f',
  '--scheduler': '-s',
  '--persistent': '-p',
  '--netmask': '-M',
  '--sched-flags': '-b',
  '--real-server': '-r',
  '--gatewaying': '-g',
  '--ipip': '-i',
  '--masquerading': '-m',
  '--weight': '-w',
  '--u-threshold': '-x',
  '--l-threshold': '-y',
  '--ops': '-o',
  '--ipv6': '-6',
};

/** Options that take the next word as their value (after SHORT). */
const WITH_VALUE: ReadonlySet<string> = new Set([
  '-t',
  '-u',
  '--sctp-service',
  '-f',
  '-s',
  '-M',
  '--pe',
  '-b',
  '-r',
  '-w',
  '-x',
  '-y',
  '--tun-type',
  '--tun-port',
]);

interface Word {
  readonly text: string;
  readonly col: number;
}

/** Why one line is refused, at the word that is wrong (a value, never thrown). */
class Refusal {
  constructor(
    readonly col: number,
    readonly problem: RuleProblem,
    readonly message: string,
  ) {}
}

type AddrPort = { af: AddressFamily; address: string; port: number | undefined };

/**
 * `addr:port`, `[addr6]:port` or a bare address (ipvsadm.c, parse_service), numeric or with a
 * port name from the table; a host name is refused with the way to avoid it.
 */
function parseAddrPort(text: string, col: number, what: 'service' | 'real server'): AddrPort | Refusal {
  let host = text;
  let port: string | undefined;
  const v6 = /^\[([^\]]+)\](?::([^:\]]+))?$/.exec(text);
  if (v6?.[1]) {
    host = v6[1];
    port = v6[2];
  } else if (text.includes('.') && text.includes(':')) {
    const i = text.lastIndexOf(':');
    host = text.slice(0, i);
    port = text.slice(i + 1);
  }
  const ip = parseIP(host);
  const portNumber = port === undefined ? undefined : /^\d+$/.test(port) ? Number(port) : SERVICE_PORTS[port];
  if (/^[A-Za-z]/.test(ip ? (port ?? '') : host) && (!ip || portNumber === undefined))
    return new Refusal(col, 'address', `${quoted(text)} uses a host or port name; save the rules with ipvsadm -S -n`);
  if (!ip || (port !== undefined && (portNumber === undefined || portNumber > 65535)))
    return new Refusal(
      col,
      'address',
      what === 'service'
        ? `bad service address ${quoted(text)} (want ADDR:PORT or [ADDR6]:PORT)`
        : `bad real server address ${quoted(text)}`,
    );
  return { af: addressFamilyOf(ip.family), address: ip.text, port: portNumber };
}

const uint = (v: string, min: number, max: number): number | undefined =>
  /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max ? Number(v) : undefined;

function parseNetmask(text: string): RuleNetmask | undefined {
  if (text.includes('.')) {
    const b = parseIP(text, 4)?.bytes;
    if (!b) return undefined;
    return { kind: 'mask', mask: (((b[0] ?? 0) << 24) | ((b[1] ?? 0) << 16) | ((b[2] ?? 0) << 8) | (b[3] ?? 0)) >>> 0 };
  }
  const length = uint(text, 0, 128);
  return length === undefined ? undefined : { kind: 'prefix', length };
}

type Mutable<T> = { -readonly [P in keyof T]?: T[P] };

/** Reads the words of one declaration, or why it is refused. */
function parseWords(words: readonly Word[], line: number): RuleLine | Refusal {
  const [cmd, ...rest] = words;
  const command = SHORT[cmd?.text ?? ''] ?? cmd?.text;
  const at = cmd?.col ?? 1;
  if (command !== '-A' && command !== '-E' && command !== '-a' && command !== '-e')
    return new Refusal(
      at,
      'syntax',
      `${quoted(cmd?.text ?? '')} is not a service or server declaration (a rules file declares the table; it is never flushed or edited)`,
    );
  let proto: Protocol | undefined;
  let vip: AddrPort | undefined;
  let fwmark: number | undefined;
  let ipv6 = false;
  const service: Mutable<RuleServiceOptions> = {};
  const schedFlags: SchedFlag[] = [];
  let onePacket = false;
  let real: AddrPort | undefined;
  const server: Mutable<Omit<RuleServer, 'af' | 'address' | 'port'>> = {};
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i] as Word;
    const opt = SHORT[w.text] ?? w.text;
    let value: Word = w;
    if (WITH_VALUE.has(opt)) {
      const v = rest[++i];
      if (v === undefined) return new Refusal(w.col, 'syntax', `${w.text} needs a value`);
      value = v;
    }
    const bad = (what: string): Refusal => new Refusal(value.col, 'value', `bad ${what} ${quoted(value.text)}`);
    switch (opt) {
      case '-t':
      case '-u':
      case '--sctp-service': {
        // ipvsadm refuses a second service option ("multiple service addresses specified").
        if (vip !== undefined || fwmark !== undefined)
          return new Refusal(w.col, 'syntax', `more than one service on the line (${w.text})`);
        proto = opt === '-t' ? 'tcp' : opt === '-u' ? 'udp' : 'sctp';
        const parsed = parseAddrPort(value.text, value.col, 'service');
        if (parsed instanceof Refusal) return parsed;
        vip = parsed;
        if (vip.port === undefined)
          return new Refusal(
            value.col,
            'address',
            `bad service address ${quoted(value.text)} (want ADDR:PORT or [ADDR6]:PORT)`,
          );
        break;
      }
      case '-f':
        if (vip !== undefined || fwmark !== undefined)
          return new Refusal(w.col, 'syntax', `more than one service on the line (${w.text})`);
        fwmark = uint(value.text, 1, 0xffffffff);
        if (fwmark === undefined) return bad('firewall mark');
        break;
      case '-6':
        ipv6 = true;
        break;
      case '-s':
        if (value.text.length >= K.IP_VS_SCHEDNAME_MAXLEN)
          return new Refusal(value.col, 'value', `scheduler name ${quoted(value.text)} too long`);
        service.scheduler = value.text;
        break;
      case '-p': {
        // The timeout is optional: a number right after -p is its value (ipvsadm's optional argument).
        const next = rest[i + 1];
        if (next !== undefined && /^\d+$/.test(next.text)) {
          i++;
          const timeoutS = uint(next.text, 1, MAX_PERSISTENCE_S);
          if (timeoutS === undefined)
            return new Refusal(next.col, 'value', `bad persistence timeout ${quoted(next.text)}`);
          service.persistent = { timeoutS };
        } else service.persistent = {};
        break;
      }
      case '-M': {
        const netmask = parseNetmask(value.text);
        if (netmask === undefined) return bad('netmask');
        service.netmask = netmask;
        break;
      }
      case '-o':
        onePacket = true;
        break;
      case '--pe':
        service.peName = value.text;
        break;
      case '-b':
        for (const f of value.text.split(',')) {
          if (!Object.hasOwn(SCHED_FLAGS, f))
            return new Refusal(value.col, 'value', `unknown scheduler flag ${quoted(f)}`);
          schedFlags.push(f as SchedFlag);
        }
        break;
      case '-r': {
        const parsed = parseAddrPort(value.text, value.col, 'real server');
        if (parsed instanceof Refusal) return parsed;
        real = parsed;
        break;
      }
      case '-g':
      case '-i':
      case '-m':
        server.forwarding = opt === '-g' ? 'droute' : opt === '-i' ? 'tunnel' : 'masq';
        break;
      case '-w': {
        const weight = uint(value.text, 0, 65535);
        if (weight === undefined) return bad('weight');
        server.weight = weight;
        break;
      }
      case '-x':
      case '-y': {
        const n = uint(value.text, 0, 0xffffffff);
        if (n === undefined) return bad('threshold');
        if (opt === '-x') server.upperThreshold = n;
        else server.lowerThreshold = n;
        break;
      }
      case '--tun-type':
        if (value.text !== 'ipip' && value.text !== 'gue' && value.text !== 'gre')
          return new Refusal(value.col, 'value', `unknown tunnel type ${quoted(value.text)}`);
        server.tunnelType = value.text;
        break;
      case '--tun-port': {
        const port = uint(value.text, 0, 65535);
        if (port === undefined) return bad('tunnel port');
        server.tunnelPort = port;
        break;
      }
      case '--tun-nocsum':
      case '--tun-csum':
      case '--tun-remcsum':
        server.tunnelChecksum = opt === '--tun-nocsum' ? 'nocsum' : opt === '--tun-csum' ? 'csum' : 'remcsum';
        break;
      default:
        return new Refusal(w.col, 'syntax', `unknown option ${quoted(w.text)}`);
    }
  }
  let key: ServiceKey;
  if (fwmark !== undefined) {
    key = { kind: 'fwmark', af: ipv6 ? 'inet6' : 'inet', fwmark };
  } else if (vip && proto && vip.port !== undefined) {
    key = { kind: 'addr', af: vip.af, protocol: proto, address: vip.address, port: vip.port };
  } else return new Refusal(at, 'syntax', 'no service given (-t, -u, --sctp-service or -f)');
  const edit = command === '-E' || command === '-e';
  if (command === '-A' || command === '-E')
    return { kind: 'service', edit, line, col: at, key, service: { ...service, onePacket, schedFlags } };
  if (!real) return new Refusal(at, 'syntax', 'no real server given (-r)');
  const { af, address, port } = real;
  return {
    kind: 'server',
    edit,
    line,
    col: at,
    key,
    server: { af, address, ...(port !== undefined ? { port } : {}), ...server },
  };
}

/** The words of a line with their columns, without a comment or a leading `ipvsadm`. */
function wordsOf(raw: string): Word[] {
  const hash = raw.indexOf('#');
  const words = [...(hash === -1 ? raw : raw.slice(0, hash)).matchAll(/\S+/g)].map((m) => ({
    text: m[0],
    col: (m.index ?? 0) + 1,
  }));
  if (words[0]?.text === 'ipvsadm') words.shift();
  return words;
}

/** Reads every declaration of a rules text; each refused line is an issue, and reading goes on. */
export function parseRuleLines(text: string): RuleLines {
  const lines: RuleLine[] = [];
  const issues: RuleLineIssue[] = [];
  text.split('\n').forEach((raw, idx) => {
    const words = wordsOf(raw);
    if (words.length === 0) return;
    const r = parseWords(words, idx + 1);
    if (r instanceof Refusal) issues.push({ line: idx + 1, col: r.col, problem: r.problem, message: r.message });
    else lines.push(r);
  });
  return { lines, issues };
}
