import { parseAddress } from './convert-context.js';
import { DiagnosticSink, type Diagnostic, type SourcePos } from './diagnostics.js';

/**
 * The rule format of `ipvsadm -S` / `ipvsadm-save` (what `service ipvsadm save` writes to
 * /etc/sysconfig/ipvsadm, and `ipvsadm -R` reads): one `-A` line per virtual service and one
 * `-a` line per real server, with ipvsadm's long and short options (ipvsadm(8)). Pure.
 */

/** -t, -u and --sctp-service. */
export type IpvsadmProtocol = 'TCP' | 'UDP' | 'SCTP';

/** Identity of a virtual service in the rules. */
export type IpvsadmServiceKey =
  | { readonly protocol: IpvsadmProtocol; readonly ip: string; readonly port: number }
  | { readonly fwmark: number; readonly family: 'IPv4' | 'IPv6' };

/** An -A line. */
export interface IpvsadmService {
  readonly key: IpvsadmServiceKey;
  readonly scheduler: string;
  /** Seconds, when the service is persistent. */
  readonly persistenceTimeout?: number;
  readonly netmask?: string;
  readonly flags: readonly string[];
  readonly onePacket: boolean;
  readonly persistenceEngine?: string;
  readonly source: SourcePos;
}

/** An -a line. */
export interface IpvsadmServer {
  readonly service: IpvsadmServiceKey;
  readonly ip: string;
  readonly port?: number;
  readonly forwarding: 'DR' | 'NAT' | 'TUN';
  readonly weight: number;
  readonly upperThreshold?: number;
  readonly lowerThreshold?: number;
  readonly tunnel?: { type: 'IPIP' | 'GUE' | 'GRE'; port?: number; checksum?: 'None' | 'Checksum' | 'RemoteChecksum' };
  readonly source: SourcePos;
}

/** The services and servers of a rule file, and the problems found. */
export interface IpvsadmRules {
  readonly services: IpvsadmService[];
  readonly servers: IpvsadmServer[];
  readonly diagnostics: Diagnostic[];
}

/** Port names that ipvsadm -S prints without -n, from /etc/services. */
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

const ALIASES: Readonly<Record<string, string>> = {
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

/** `host:port` or `[v6]:port`, with numeric hosts; port names from the table above. */
function hostPort(text: string): { ip: string; port?: number } | 'names' | undefined {
  const m = /^\[([^\]]+)\](?::([^:]+))?$/.exec(text) ?? /^([^:]+)(?::([^:]+))?$/.exec(text);
  if (!m) return undefined;
  const ip = parseAddress(m[1] ?? '');
  const portText = m[2];
  const port =
    portText === undefined ? undefined : /^[0-9]+$/.test(portText) ? Number(portText) : SERVICE_PORTS[portText];
  if (!ip || (portText !== undefined && port === undefined))
    return /^[A-Za-z]/.test(m[1] ?? '') || port === undefined ? 'names' : undefined;
  if (port !== undefined && port > 65535) return undefined;
  return port === undefined ? { ip: ip.text } : { ip: ip.text, port };
}

interface LineState {
  command?: string | undefined;
  key?: IpvsadmServiceKey | undefined;
  scheduler?: string | undefined;
  persistent?: number | undefined;
  netmask?: string | undefined;
  flags: string[];
  ops: boolean;
  pe?: string | undefined;
  v6: boolean;
  server?: { ip: string; port?: number } | undefined;
  forwarding?: 'DR' | 'NAT' | 'TUN' | undefined;
  weight?: number | undefined;
  upper?: number | undefined;
  lower?: number | undefined;
  tunnel: {
    type?: 'IPIP' | 'GUE' | 'GRE';
    port?: number | undefined;
    checksum?: 'None' | 'Checksum' | 'RemoteChecksum';
  };
}

/** Keys are equal when they name the same service. */
export function sameService(a: IpvsadmServiceKey, b: IpvsadmServiceKey): boolean {
  if ('fwmark' in a || 'fwmark' in b)
    return 'fwmark' in a && 'fwmark' in b && a.fwmark === b.fwmark && a.family === b.family;
  return a.protocol === b.protocol && a.ip === b.ip && a.port === b.port;
}

/** Parses ipvsadm-save text. Never throws: problems are diagnostics with file:line:col. */
export function parseIpvsadmRules(text: string, file: string): IpvsadmRules {
  const sink = new DiagnosticSink();
  const services: IpvsadmService[] = [];
  const servers: IpvsadmServer[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const words = [...line.matchAll(/\S+/g)].map((m) => ({
      text: m[0],
      col: (m.index ?? 0) + 1 + (raw.length - raw.trimStart().length),
    }));
    if (words[0]?.text === 'ipvsadm') words.shift();
    const at = (col: number): SourcePos => ({ file, line: index + 1, col });
    const st = parseLine(words, at, sink);
    if (!st) return;
    const source = at(words[0]?.col ?? 1);
    if (st.command === '-A' || st.command === '-E') {
      if (!st.key)
        return void sink.error(source, 'KA_IPVSADM_SYNTAX', 'a service line needs -t, -u, --sctp-service or -f');
      if (services.some((s) => st.key && sameService(s.key, st.key))) {
        return void sink.error(source, 'KA_DUPLICATE', 'this virtual service is added twice');
      }
      const key: IpvsadmServiceKey = 'fwmark' in st.key ? { ...st.key, family: st.v6 ? 'IPv6' : 'IPv4' } : st.key;
      services.push({
        key,
        scheduler: st.scheduler ?? 'wlc',
        ...(st.persistent !== undefined ? { persistenceTimeout: st.persistent } : {}),
        ...(st.netmask !== undefined ? { netmask: st.netmask } : {}),
        flags: st.flags,
        onePacket: st.ops,
        ...(st.pe !== undefined ? { persistenceEngine: st.pe } : {}),
        source,
      });
    } else {
      if (!st.key || !st.server)
        return void sink.error(source, 'KA_IPVSADM_SYNTAX', 'a server line needs a service (-t, -u, -f) and -r');
      const key: IpvsadmServiceKey = 'fwmark' in st.key ? { ...st.key, family: st.v6 ? 'IPv6' : 'IPv4' } : st.key;
      const t = st.tunnel;
      servers.push({
        service: key,
        ip: st.server.ip,
        ...(st.server.port !== undefined ? { port: st.server.port } : {}),
        forwarding: st.forwarding ?? 'DR',
        weight: st.weight ?? 1,
        ...(st.upper !== undefined ? { upperThreshold: st.upper } : {}),
        ...(st.lower !== undefined ? { lowerThreshold: st.lower } : {}),
        ...(t.type !== undefined || t.port !== undefined || t.checksum !== undefined
          ? {
              tunnel: {
                type: t.type ?? 'IPIP',
                ...(t.port !== undefined ? { port: t.port } : {}),
                ...(t.checksum !== undefined ? { checksum: t.checksum } : {}),
              },
            }
          : {}),
        source,
      });
    }
  });
  return { services, servers, diagnostics: sink.result() };
}

function parseLine(
  words: { text: string; col: number }[],
  at: (col: number) => SourcePos,
  sink: DiagnosticSink,
): LineState | undefined {
  const st: LineState = { flags: [], ops: false, v6: false, tunnel: {} };
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (!w) continue;
    const opt = ALIASES[w.text] ?? w.text;
    const value = words[i + 1];
    const need = (): string | undefined => {
      if (value === undefined) {
        sink.error(at(w.col), 'KA_IPVSADM_SYNTAX', `${w.text} needs a value`);
        return undefined;
      }
      i++;
      return value.text;
    };
    const int = (min: number, max: number): number | undefined => {
      const v = need();
      if (v === undefined) return undefined;
      if (!/^[0-9]+$/.test(v) || Number(v) < min || Number(v) > max) {
        sink.error(
          at(value?.col ?? w.col),
          'KA_BAD_VALUE',
          `${w.text}: "${v}" is not an integer from ${min} to ${max}`,
        );
        return undefined;
      }
      return Number(v);
    };
    const addr = (): { ip: string; port?: number } | undefined => {
      const v = need();
      if (v === undefined) return undefined;
      const hp = hostPort(v);
      if (hp === 'names') {
        sink.error(
          at(value?.col ?? w.col),
          'KA_BAD_ADDRESS',
          `"${v}" uses a host or port name; save the rules with ipvsadm -S -n`,
        );
        return undefined;
      }
      if (!hp) sink.error(at(value?.col ?? w.col), 'KA_BAD_ADDRESS', `"${v}" is not an address:port`);
      return hp;
    };
    switch (opt) {
      case '-A':
      case '-E':
      case '-a':
      case '-e':
        st.command = opt;
        break;
      case '-t':
      case '-u':
      case '--sctp-service': {
        const hp = addr();
        if (!hp) return undefined;
        const protocol = opt === '-t' ? 'TCP' : opt === '-u' ? 'UDP' : 'SCTP';
        st.key = { protocol, ip: hp.ip, port: hp.port ?? 0 };
        break;
      }
      case '-f': {
        const mark = int(1, 4294967295);
        if (mark === undefined) return undefined;
        st.key = { fwmark: mark, family: 'IPv4' };
        break;
      }
      case '-6':
        st.v6 = true;
        break;
      case '-s':
        st.scheduler = need();
        break;
      case '-p':
        st.persistent = value && /^[0-9]+$/.test(value.text) ? int(1, 2678400) : 300;
        break;
      case '-M':
        st.netmask = need();
        break;
      case '-b':
        st.flags.push(...(need() ?? '').split(',').filter((f) => f !== ''));
        break;
      case '-o':
        st.ops = true;
        break;
      case '--pe':
        st.pe = need();
        break;
      case '-r':
        st.server = addr();
        if (!st.server) return undefined;
        break;
      case '-g':
        st.forwarding = 'DR';
        break;
      case '-i':
        st.forwarding = 'TUN';
        break;
      case '-m':
        st.forwarding = 'NAT';
        break;
      case '-w':
        st.weight = int(0, 65535);
        break;
      case '-x':
        st.upper = int(0, 65535);
        break;
      case '-y':
        st.lower = int(0, 65535);
        break;
      case '--tun-type': {
        const v = need()?.toUpperCase();
        if (v === 'IPIP' || v === 'GUE' || v === 'GRE') st.tunnel.type = v;
        else sink.error(at(w.col), 'KA_BAD_VALUE', '--tun-type must be ipip, gue or gre');
        break;
      }
      case '--tun-port':
        st.tunnel.port = int(1, 65535);
        break;
      case '--tun-nocsum':
        st.tunnel.checksum = 'None';
        break;
      case '--tun-csum':
        st.tunnel.checksum = 'Checksum';
        break;
      case '--tun-remcsum':
        st.tunnel.checksum = 'RemoteChecksum';
        break;
      default:
        sink.error(
          at(w.col),
          'KA_IPVSADM_SYNTAX',
          `unknown option "${w.text}" (only -A/-a rules, as ipvsadm -S writes them, are read)`,
        );
        return undefined;
    }
  }
  if (st.command === undefined) {
    sink.error(at(words[0]?.col ?? 1), 'KA_IPVSADM_SYNTAX', 'a rule starts with -A (service) or -a (server)');
    return undefined;
  }
  return st;
}
