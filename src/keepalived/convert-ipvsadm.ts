import { API_VERSION, SCHEDULERS, VirtualServerSchema } from '../api/index.js';
// The rule-format parser is pure and has no dependencies beyond the address codec: imported by
// file so the importer does not load src/ipvs's netlink adapter.
import {
  parseRuleLines,
  type RuleLine,
  type RuleLineIssue,
  type RuleNetmask,
  type RuleServer,
  type RuleServiceOptions,
} from '../ipvs/rule-lines.js';
import { serviceId, type ServiceKey } from '../ipvs/types.js';
import { duration } from './convert-context.js';
import type { ConvertOptions } from './convert.js';
import { DiagnosticSink, sortDiagnostics, type DiagnosticCode, type SourcePos } from './diagnostics.js';
import {
  VIRTUAL_SERVER_LABEL,
  type ImportedObject,
  type ImportResult,
  type InlineRealServerInput,
  type VirtualServerManifest,
  type VirtualServerSpecInput,
} from './model.js';
import { NameRegistry, serviceName, toObjectName } from './names.js';

/** Options of convertIpvsadmRules: those of a keepalived import. */
export type IpvsadmConvertOptions = ConvertOptions;

type Forwarding = 'DR' | 'NAT' | 'TUN';

/** An -A line and the -a lines of its service. */
interface ImportedService {
  readonly key: ServiceKey;
  readonly options: RuleServiceOptions;
  readonly source: SourcePos;
  readonly servers: { readonly server: RuleServer; readonly source: SourcePos }[];
}

/** A bare -p: the timeout lvsctl import has always given it, in seconds. */
const BARE_PERSISTENCE_S = 300;

const FORWARDING: Readonly<Record<NonNullable<RuleServer['forwarding']>, Forwarding>> = {
  droute: 'DR',
  masq: 'NAT',
  tunnel: 'TUN',
};
const PROTOCOL = { tcp: 'TCP', udp: 'UDP', sctp: 'SCTP' } as const;
const TUNNEL_TYPE = { ipip: 'IPIP', gue: 'GUE', gre: 'GRE' } as const;
const TUNNEL_CHECKSUM = { nocsum: 'None', csum: 'Checksum', remcsum: 'RemoteChecksum' } as const;
const PROBLEM_CODE: Readonly<Record<RuleLineIssue['problem'], DiagnosticCode>> = {
  syntax: 'KA_IPVSADM_SYNTAX',
  value: 'KA_BAD_VALUE',
  address: 'KA_BAD_ADDRESS',
};

const forwardingOf = (s: RuleServer): Forwarding => (s.forwarding ? FORWARDING[s.forwarding] : 'DR');

/** The forwarding most of a service's servers use (the first on a tie), as the service default. */
function commonForwarding(servers: readonly RuleServer[]): Forwarding {
  const counts = new Map<Forwarding, number>();
  for (const s of servers) counts.set(forwardingOf(s), (counts.get(forwardingOf(s)) ?? 0) + 1);
  let best: Forwarding = servers[0] ? forwardingOf(servers[0]) : 'DR';
  for (const [f, n] of counts) if (n > (counts.get(best) ?? 0)) best = f;
  return best;
}

/** The persistence granularity of a netmask: its prefix length; undefined if not contiguous. */
function prefixOf(m: RuleNetmask): number | undefined {
  if (m.kind === 'prefix') return m.length;
  const bits = m.mask.toString(2).padStart(32, '0');
  return /^1*0*$/.test(bits) ? (bits.indexOf('0') < 0 ? 32 : bits.indexOf('0')) : undefined;
}

const maskText = (m: RuleNetmask): string =>
  m.kind === 'prefix' ? String(m.length) : [24, 16, 8, 0].map((s) => (m.mask >>> s) & 0xff).join('.');

/** The tunnel of a TUN server, when its line gives any --tun-* option. */
function tunnelOf(s: RuleServer): Record<string, unknown> | undefined {
  if (s.tunnelType === undefined && s.tunnelPort === undefined && s.tunnelChecksum === undefined) return undefined;
  return {
    type: TUNNEL_TYPE[s.tunnelType ?? 'ipip'],
    ...(s.tunnelPort !== undefined ? { port: s.tunnelPort } : {}),
    ...(s.tunnelChecksum !== undefined ? { checksum: TUNNEL_CHECKSUM[s.tunnelChecksum] } : {}),
  };
}

function serviceSpec(svc: ImportedService, sink: DiagnosticSink): VirtualServerSpecInput {
  const spec: Record<string, unknown> = {};
  const { key: k, options: o, source } = svc;
  if (k.kind === 'fwmark') {
    spec['fwmark'] = k.fwmark;
    if (k.af === 'inet6') spec['family'] = 'IPv6';
  } else spec['addresses'] = [{ ip: k.address, port: k.port }];
  spec['protocol'] = k.kind === 'fwmark' ? 'TCP' : PROTOCOL[k.protocol];
  const scheduler = o.scheduler ?? 'wlc';
  if ((SCHEDULERS as readonly string[]).includes(scheduler)) spec['scheduler'] = scheduler;
  else sink.error(source, 'KA_BAD_VALUE', `scheduler "${scheduler}" is not an IPVS scheduler`);
  const flags = o.schedFlags.filter((f) => ['sh-fallback', 'sh-port', 'mh-fallback', 'mh-port'].includes(f));
  for (const f of o.schedFlags)
    if (!flags.includes(f)) sink.warning(source, 'KA_NOT_CARRIED', `scheduler flag ${f} is not carried`);
  if (flags.length > 0) spec['schedulerFlags'] = flags;
  if (o.onePacket) spec['onePacket'] = true;
  const servers = svc.servers.map((s) => s.server);
  const forwarding = commonForwarding(servers);
  spec['forwarding'] = forwarding;
  const tunnel = servers
    .filter((s) => forwardingOf(s) === 'TUN')
    .map(tunnelOf)
    .find((t) => t !== undefined);
  if (tunnel && forwarding === 'TUN') spec['tunnel'] = tunnel;
  if (o.persistent !== undefined) {
    const granularity = o.netmask !== undefined ? prefixOf(o.netmask) : undefined;
    if (o.netmask !== undefined && granularity === undefined)
      sink.error(source, 'KA_BAD_VALUE', `netmask "${maskText(o.netmask)}" is not a netmask`);
    spec['persistence'] = {
      timeout: duration((o.persistent.timeoutS ?? BARE_PERSISTENCE_S) * 1000),
      ...(granularity !== undefined ? { granularity } : {}),
      ...(o.peName !== undefined ? { engine: o.peName } : {}),
    };
  }
  const realServers: InlineRealServerInput[] = servers.map((s) => ({
    address: s.address,
    ...(s.port !== undefined ? { port: s.port } : {}),
    weight: s.weight ?? 1,
    ...(forwardingOf(s) !== forwarding ? { forwarding: forwardingOf(s) } : {}),
    ...(s.upperThreshold !== undefined ? { upperThreshold: s.upperThreshold } : {}),
    ...(s.lowerThreshold !== undefined ? { lowerThreshold: s.lowerThreshold } : {}),
  }));
  if (realServers.length > 0) spec['realServers'] = realServers;
  return spec as VirtualServerSpecInput;
}

/**
 * The services of the rules, each with its servers, in file order. Like ipvsadm -R, a server
 * line must follow the line of its service; a service added twice is refused (an edit line
 * counts as adding: the importer reads a saved table, which has none).
 */
function servicesOf(lines: readonly RuleLine[], file: string, sink: DiagnosticSink): ImportedService[] {
  const services = new Map<string, ImportedService>();
  for (const r of lines) {
    const source: SourcePos = { file, line: r.line, col: r.col };
    const id = serviceId(r.key);
    const svc = services.get(id);
    if (r.kind === 'service') {
      if (svc) sink.error(source, 'KA_DUPLICATE', 'this virtual service is added twice');
      else services.set(id, { key: r.key, options: r.service, source, servers: [] });
    } else if (!svc) sink.error(source, 'KA_UNDEFINED_REFERENCE', 'a real server of a service that no -A line adds');
    else svc.servers.push({ server: r.server, source });
  }
  return [...services.values()];
}

/**
 * ipvsadm-save rules (read by src/ipvs's rule-lines.ts) → VirtualServers (no VRRP, no health
 * checks: the rules have none).
 */
export function convertIpvsadmRules(text: string, file: string, options: IpvsadmConvertOptions = {}): ImportResult {
  const sink = new DiagnosticSink();
  const read = parseRuleLines(text);
  for (const i of read.issues) sink.error({ file, line: i.line, col: i.col }, PROBLEM_CODE[i.problem], i.message);
  const names = new NameRegistry();
  const objects: ImportedObject[] = [];
  const ns = options.namespace !== undefined ? { namespace: options.namespace } : {};
  for (const svc of servicesOf(read.lines, file, sink)) {
    const k = svc.key;
    const name = names.claim(
      'VirtualServer',
      serviceName(
        k.kind === 'fwmark' ? { fwmark: k.fwmark } : { ip: k.address, port: k.port },
        k.kind === 'fwmark' ? 'TCP' : PROTOCOL[k.protocol],
      ),
    );
    const spec = serviceSpec(svc, sink);
    const { realServers, ...rest } = spec;
    const split = options.realServerObjects === true && realServers !== undefined;
    const labels = { [VIRTUAL_SERVER_LABEL]: name };
    const manifest: VirtualServerManifest = {
      apiVersion: API_VERSION,
      kind: 'VirtualServer',
      metadata: { name, ...ns },
      spec: split ? { ...rest, realServerSelector: { matchLabels: labels } } : spec,
    };
    const res = VirtualServerSchema.safeParse(manifest);
    if (!res.success) {
      for (const i of res.error.issues)
        sink.error(svc.source, 'KA_INVALID_OBJECT', `VirtualServer ${name}: ${i.path.join('.')}: ${i.message}`);
      continue;
    }
    objects.push({ manifest, source: svc.source });
    if (!split) continue;
    svc.servers.forEach((s, i) => {
      const rs = realServers?.[i];
      if (!rs) return;
      const rsName = names.claim('RealServer', toObjectName(`${name}-${rs.address}-${rs.port ?? 0}`));
      objects.push({
        manifest: { apiVersion: API_VERSION, kind: 'RealServer', metadata: { name: rsName, ...ns, labels }, spec: rs },
        source: s.source,
      });
    });
  }
  return { objects, diagnostics: sortDiagnostics(sink.result()), files: [file] };
}
