import { API_VERSION, parseIP, SCHEDULERS, VirtualServerSchema } from '../api/index.js';
import { duration } from './convert-context.js';
import type { ConvertOptions } from './convert.js';
import { DiagnosticSink, sortDiagnostics } from './diagnostics.js';
import { parseIpvsadmRules, sameService, type IpvsadmServer, type IpvsadmService } from './ipvsadm-rules.js';
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

/** The forwarding most of a service's servers use (the first on a tie), as the service default. */
function commonForwarding(servers: readonly IpvsadmServer[]): 'DR' | 'NAT' | 'TUN' {
  const counts = new Map<'DR' | 'NAT' | 'TUN', number>();
  for (const s of servers) counts.set(s.forwarding, (counts.get(s.forwarding) ?? 0) + 1);
  let best: 'DR' | 'NAT' | 'TUN' = servers[0]?.forwarding ?? 'DR';
  for (const [f, n] of counts) if (n > (counts.get(best) ?? 0)) best = f;
  return best;
}

function prefixOf(mask: string): number | undefined {
  if (/^[0-9]{1,3}$/.test(mask)) return Number(mask);
  const ip = parseIP(mask);
  if (ip?.family !== 4) return undefined;
  const bits = [...ip.bytes].map((b) => b.toString(2).padStart(8, '0')).join('');
  return /^1*0*$/.test(bits) ? (bits.indexOf('0') < 0 ? 32 : bits.indexOf('0')) : undefined;
}

function serviceSpec(svc: IpvsadmService, servers: IpvsadmServer[], sink: DiagnosticSink): VirtualServerSpecInput {
  const spec: Record<string, unknown> = {};
  const k = svc.key;
  if ('fwmark' in k) {
    spec['fwmark'] = k.fwmark;
    if (k.family === 'IPv6') spec['family'] = 'IPv6';
  } else spec['addresses'] = [{ ip: k.ip, port: k.port }];
  spec['protocol'] = 'fwmark' in k ? 'TCP' : k.protocol;
  if ((SCHEDULERS as readonly string[]).includes(svc.scheduler)) spec['scheduler'] = svc.scheduler;
  else sink.error(svc.source, 'KA_BAD_VALUE', `scheduler "${svc.scheduler}" is not an IPVS scheduler`);
  const flags = svc.flags.filter((f) => ['sh-fallback', 'sh-port', 'mh-fallback', 'mh-port'].includes(f));
  for (const f of svc.flags)
    if (!flags.includes(f)) sink.warning(svc.source, 'KA_NOT_CARRIED', `scheduler flag ${f} is not carried`);
  if (flags.length > 0) spec['schedulerFlags'] = flags;
  if (svc.onePacket) spec['onePacket'] = true;
  const forwarding = commonForwarding(servers);
  spec['forwarding'] = forwarding;
  const tunnel = servers.find((s) => s.forwarding === 'TUN' && s.tunnel)?.tunnel;
  if (tunnel && forwarding === 'TUN') spec['tunnel'] = tunnel;
  if (svc.persistenceTimeout !== undefined) {
    const granularity = svc.netmask !== undefined ? prefixOf(svc.netmask) : undefined;
    if (svc.netmask !== undefined && granularity === undefined)
      sink.error(svc.source, 'KA_BAD_VALUE', `netmask "${svc.netmask}" is not a netmask`);
    spec['persistence'] = {
      timeout: duration(svc.persistenceTimeout * 1000),
      ...(granularity !== undefined ? { granularity } : {}),
      ...(svc.persistenceEngine !== undefined ? { engine: svc.persistenceEngine } : {}),
    };
  }
  const realServers: InlineRealServerInput[] = servers.map((s) => ({
    address: s.ip,
    ...(s.port !== undefined ? { port: s.port } : {}),
    weight: s.weight,
    ...(s.forwarding !== forwarding ? { forwarding: s.forwarding } : {}),
    ...(s.upperThreshold !== undefined ? { upperThreshold: s.upperThreshold } : {}),
    ...(s.lowerThreshold !== undefined ? { lowerThreshold: s.lowerThreshold } : {}),
  }));
  if (realServers.length > 0) spec['realServers'] = realServers;
  return spec as VirtualServerSpecInput;
}

/**
 * ipvsadm-save rules → VirtualServers (no VRRP, no health checks: the rules have none). Each
 * server line must follow the line of its service, as ipvsadm -R requires.
 */
export function convertIpvsadmRules(text: string, file: string, options: IpvsadmConvertOptions = {}): ImportResult {
  const rules = parseIpvsadmRules(text, file);
  const sink = new DiagnosticSink();
  const names = new NameRegistry();
  const objects: ImportedObject[] = [];
  const byService = new Map<IpvsadmService, IpvsadmServer[]>();
  for (const svc of rules.services) byService.set(svc, []);
  for (const s of rules.servers) {
    const svc = rules.services.find((x) => sameService(x.key, s.service));
    if (!svc) sink.error(s.source, 'KA_UNDEFINED_REFERENCE', 'a real server of a service that no -A line adds');
    else byService.get(svc)?.push(s);
  }
  const ns = options.namespace !== undefined ? { namespace: options.namespace } : {};
  for (const [svc, servers] of byService) {
    const k = svc.key;
    const name = names.claim(
      'VirtualServer',
      serviceName('fwmark' in k ? { fwmark: k.fwmark } : k, 'fwmark' in k ? 'TCP' : k.protocol),
    );
    const spec = serviceSpec(svc, servers, sink);
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
    servers.forEach((s, i) => {
      const rs = realServers?.[i];
      if (!rs) return;
      const rsName = names.claim('RealServer', toObjectName(`${name}-${rs.address}-${rs.port ?? 0}`));
      objects.push({
        manifest: { apiVersion: API_VERSION, kind: 'RealServer', metadata: { name: rsName, ...ns, labels }, spec: rs },
        source: s.source,
      });
    });
  }
  return { objects, diagnostics: sortDiagnostics([...rules.diagnostics, ...sink.result()]), files: [file] };
}
