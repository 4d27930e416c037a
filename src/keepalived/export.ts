import {
  parseDurationMs,
  RealServerSchema,
  VirtualServerSchema,
  VrrpGroupSchema,
  type RealServer,
  type VirtualServer,
  type VrrpGroup,
} from '../api/index.js';
import { DiagnosticSink, type Diagnostic, type SourcePos } from './diagnostics.js';
import { unexpressible, writeCheck, type CheckWriting } from './export-checks.js';
import { script, secs, word, Writer } from './export-writer.js';
import { INITIAL_STATE_ANNOTATION } from './model.js';
import { serviceName } from './names.js';

/** A manifest document and where it was read, for messages. */
export interface ExportDocument {
  readonly value: unknown;
  readonly source: SourcePos;
}

/** The keepalived.conf text and what could not be expressed in it. */
export interface ExportResult {
  readonly text: string;
  readonly diagnostics: Diagnostic[];
}

type VrrpSpec = VrrpGroup['spec'];
type VsSpec = VirtualServer['spec'];
type InlineRs = NonNullable<VsSpec['realServers']>[number];

function maskOf(prefix: number): string {
  const bits = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return [24, 16, 8, 0].map((s) => (bits >>> s) & 0xff).join('.');
}

interface Loaded {
  groups: { obj: VrrpGroup; at: SourcePos }[];
  services: { obj: VirtualServer; at: SourcePos }[];
  realServers: RealServer[];
  secrets: Map<string, Record<string, string>>;
}

function decodeBase64(value: string): string {
  return Buffer.from(value, 'base64').toString('utf8');
}

function load(docs: readonly ExportDocument[], sink: DiagnosticSink): Loaded {
  const out: Loaded = { groups: [], services: [], realServers: [], secrets: new Map() };
  for (const { value, source } of docs) {
    const kind = (value as { kind?: unknown } | null)?.kind;
    if (kind === 'Secret') {
      const s = value as {
        metadata?: { name?: string };
        stringData?: Record<string, string>;
        data?: Record<string, string>;
      };
      const data: Record<string, string> = {};
      for (const [k, v] of Object.entries(s.data ?? {})) data[k] = decodeBase64(v);
      Object.assign(data, s.stringData ?? {});
      if (s.metadata?.name) out.secrets.set(s.metadata.name, data);
      continue;
    }
    const schema =
      kind === 'VrrpGroup'
        ? VrrpGroupSchema
        : kind === 'VirtualServer'
          ? VirtualServerSchema
          : kind === 'RealServer'
            ? RealServerSchema
            : undefined;
    if (!schema) {
      sink.warning(source, 'KA_NOT_CARRIED', `a ${String(kind)} has no keepalived equivalent; skipped`);
      continue;
    }
    const res = schema.safeParse(value);
    if (!res.success) {
      for (const i of res.error.issues)
        sink.error(source, 'KA_INVALID_OBJECT', `${String(kind)}: ${i.path.join('.') || '(object)'}: ${i.message}`);
      continue;
    }
    if (res.data.kind === 'VrrpGroup') out.groups.push({ obj: res.data, at: source });
    else if (res.data.kind === 'VirtualServer') out.services.push({ obj: res.data, at: source });
    else out.realServers.push(res.data);
  }
  return out;
}

function writeScripts(w: Writer, groups: Loaded['groups'], sink: DiagnosticSink): void {
  const seen = new Map<string, string>();
  for (const { obj, at } of groups) {
    for (const ts of obj.spec.trackScripts ?? []) {
      const key = JSON.stringify({ ...ts, weight: 0 });
      const prev = seen.get(ts.name);
      if (prev !== undefined) {
        if (prev !== key)
          sink.error(
            at,
            'KA_DUPLICATE',
            `track script ${ts.name} differs between VrrpGroups; keepalived has one vrrp_script per name`,
          );
        continue;
      }
      seen.set(ts.name, key);
      w.block(`vrrp_script ${ts.name}`, () => {
        w.line(`script ${script(ts.command)}`);
        w.line(`interval ${secs(ts.interval)}`);
        if (ts.timeout !== undefined) w.line(`timeout ${secs(ts.timeout)}`);
        w.line(`rise ${ts.rise}`);
        w.line(`fall ${ts.fall}`);
        if (ts.user !== undefined) w.line(`user ${word(ts.user)}`);
      });
      w.blank();
    }
  }
}

function writeVips(w: Writer, keyword: string, vips: VrrpSpec['virtualIPs'] | undefined): void {
  if (!vips || vips.length === 0) return;
  w.block(keyword, () => {
    for (const v of vips) {
      w.line(
        [v.address, ...(v.interface ? ['dev', v.interface] : []), ...(v.label ? ['label', word(v.label)] : [])].join(
          ' ',
        ),
      );
    }
  });
}

const GARP_DEFAULTS = {
  masterDelay: '5s',
  masterRepeat: 5,
  masterRefresh: '0s',
  masterRefreshRepeat: 1,
  interval: '0s',
};

function writeInstance(
  w: Writer,
  obj: VrrpGroup,
  at: SourcePos,
  secrets: Loaded['secrets'],
  sink: DiagnosticSink,
): void {
  const s = obj.spec;
  unexpressible(sink, at, `VrrpGroup ${obj.metadata.name}: nodes`, s.nodes !== undefined);
  unexpressible(sink, at, `VrrpGroup ${obj.metadata.name}: nodeSelector`, s.nodeSelector !== undefined);
  w.block(`vrrp_instance ${obj.metadata.name}`, () => {
    const state = obj.metadata.annotations?.[INITIAL_STATE_ANNOTATION];
    if (state === 'MASTER' || state === 'BACKUP') w.line(`state ${state}`);
    w.line(`interface ${s.interface}`);
    w.line(`virtual_router_id ${s.virtualRouterId}`);
    if (s.version === 3) w.line('version 3');
    w.line(`priority ${s.priority}`);
    w.line(`advert_int ${secs(s.advertInterval)}`);
    if (!s.preempt) w.line('nopreempt');
    if ((parseDurationMs(s.preemptDelay) ?? 0) > 0) w.line(`preempt_delay ${secs(s.preemptDelay)}`);
    if (!s.acceptMode) w.line('no_accept');
    writeVips(w, 'virtual_ipaddress', s.virtualIPs);
    writeVips(w, 'virtual_ipaddress_excluded', s.excludedVirtualIPs);
    if (s.unicastSourceIP) w.line(`unicast_src_ip ${s.unicastSourceIP}`);
    if (s.unicastPeers?.length) w.block('unicast_peer', () => s.unicastPeers?.forEach((p) => w.line(p)));
    if (s.authentication) {
      const ref = s.authentication.secretRef;
      const password = secrets.get(ref.name)?.[ref.key];
      if (password === undefined) {
        sink.error(
          at,
          'KA_UNDEFINED_REFERENCE',
          `VrrpGroup ${obj.metadata.name}: Secret ${ref.name} key ${ref.key} is not among the inputs; no authentication written`,
        );
      } else {
        w.block('authentication', () => {
          w.line('auth_type PASS');
          w.line(`auth_pass ${word(password)}`);
        });
      }
    }
    if (s.trackInterfaces?.length)
      w.block('track_interface', () => s.trackInterfaces?.forEach((t) => w.line(`${t.name} weight ${t.weight}`)));
    if (s.trackScripts?.length)
      w.block('track_script', () => s.trackScripts?.forEach((t) => w.line(`${t.name} weight ${t.weight}`)));
    const g = s.garp;
    if (g.masterDelay !== GARP_DEFAULTS.masterDelay) w.line(`garp_master_delay ${secs(g.masterDelay)}`);
    if (g.masterRepeat !== GARP_DEFAULTS.masterRepeat) w.line(`garp_master_repeat ${g.masterRepeat}`);
    if (g.masterRefresh !== GARP_DEFAULTS.masterRefresh) w.line(`garp_master_refresh ${secs(g.masterRefresh)}`);
    if (g.masterRefreshRepeat !== GARP_DEFAULTS.masterRefreshRepeat)
      w.line(`garp_master_refresh_repeat ${g.masterRefreshRepeat}`);
    if (g.interval !== GARP_DEFAULTS.interval) w.line(`garp_interval ${secs(g.interval)}`);
    const n = s.notify;
    if (n?.master) w.line(`notify_master ${script(n.master)}`);
    if (n?.backup) w.line(`notify_backup ${script(n.backup)}`);
    if (n?.fault) w.line(`notify_fault ${script(n.fault)}`);
    if (n?.stop) w.line(`notify_stop ${script(n.stop)}`);
    if (n?.any) w.line(`notify ${script(n.any)}`);
  });
  w.blank();
}

function writeGlobalDefs(w: Writer, groups: Loaded['groups']): void {
  const syncing = groups.filter((g) => g.obj.spec.connectionSync?.enabled);
  if (syncing.length === 0) return;
  w.block('global_defs', () => {
    for (const { obj } of syncing) {
      const c = obj.spec.connectionSync;
      const id = c?.syncId !== undefined ? ` id ${c.syncId}` : '';
      w.line(`lvs_sync_daemon ${c?.interface ?? obj.spec.interface} ${obj.metadata.name}${id}`);
    }
  });
  w.blank();
}

function writeSyncGroups(w: Writer, groups: Loaded['groups']): void {
  const members = new Map<string, string[]>();
  for (const { obj } of groups) {
    if (obj.spec.syncGroup === undefined) continue;
    members.set(obj.spec.syncGroup, [...(members.get(obj.spec.syncGroup) ?? []), obj.metadata.name]);
  }
  for (const [name, list] of members) {
    w.block(`vrrp_sync_group ${name}`, () => w.block('group', () => list.forEach((m) => w.line(m))));
    w.blank();
  }
}

function writeRealServer(cw: CheckWriting, vs: VsSpec, rs: InlineRs, fileName: () => string): void {
  const { w } = cw;
  unexpressible(
    cw.sink,
    cw.at,
    `real server ${rs.address}: node and acceptVIP`,
    rs.node !== undefined || rs.acceptVIP !== undefined,
  );
  const port = rs.port ?? vs.addresses?.[0]?.port;
  w.block(`real_server ${rs.address}${port !== undefined ? ` ${port}` : ''}`, () => {
    w.line(`weight ${rs.weight}`);
    if (rs.forwarding) w.line(`lvs_method ${rs.forwarding}`);
    if (rs.upperThreshold !== undefined) w.line(`uthreshold ${rs.upperThreshold}`);
    if (rs.lowerThreshold !== undefined) w.line(`lthreshold ${rs.lowerThreshold}`);
    if (rs.inhibitOnFailure !== undefined) w.line(`inhibit_on_failure ${rs.inhibitOnFailure ? 'on' : 'off'}`);
    if (rs.notify?.up) w.line(`notify_up ${script(rs.notify.up)}`);
    if (rs.notify?.down) w.line(`notify_down ${script(rs.notify.down)}`);
    for (const c of rs.healthChecks ?? vs.healthChecks ?? []) writeCheck(cw, c, fileName);
  });
}

/** Real servers of a service: inline, or the RealServer objects its selector matches. */
function realServersOf(vs: VirtualServer, all: readonly RealServer[], sink: DiagnosticSink, at: SourcePos): InlineRs[] {
  const inline = vs.spec.realServers ?? [];
  const sel = vs.spec.realServerSelector;
  if (!sel) return inline;
  unexpressible(
    sink,
    at,
    `VirtualServer ${vs.metadata.name}: realServerSelector matchExpressions`,
    (sel.matchExpressions?.length ?? 0) > 0,
  );
  const want = Object.entries(sel.matchLabels ?? {});
  const selected = all
    .filter((r) => (r.metadata.namespace ?? 'default') === (vs.metadata.namespace ?? 'default'))
    .filter((r) => want.every(([k, v]) => r.metadata.labels?.[k] === v))
    .map((r) => r.spec as InlineRs);
  return [...inline, ...selected];
}

function writeService(
  w: Writer,
  vs: VirtualServer,
  at: SourcePos,
  all: readonly RealServer[],
  sink: DiagnosticSink,
  files: { list: string[]; next: number },
): void {
  const s = vs.spec;
  const name = vs.metadata.name;
  unexpressible(sink, at, `VirtualServer ${name}: programOn Master`, s.programOn === 'Master');
  const first = s.addresses?.[0];
  const derived =
    s.fwmark !== undefined
      ? serviceName({ fwmark: s.fwmark }, s.protocol)
      : first
        ? serviceName(first, s.protocol)
        : '';
  const direct = derived === name && (s.fwmark !== undefined || (s.addresses?.length ?? 0) === 1);
  let head: string;
  if (direct) head = s.fwmark !== undefined ? `fwmark ${s.fwmark}` : `${first?.ip} ${first?.port}`;
  else {
    w.block(`virtual_server_group ${name}`, () => {
      if (s.fwmark !== undefined) w.line(`fwmark ${s.fwmark}${s.family === 'IPv6' ? ' inet6' : ''}`);
      for (const a of s.addresses ?? []) w.line(`${a.ip} ${a.port}`);
    });
    head = `group ${name}`;
  }
  const cw: CheckWriting = { w, sink, at, trackFiles: files.list };
  w.block(`virtual_server ${head}`, () => {
    if (s.fwmark !== undefined && s.family === 'IPv6') w.line('ip_family inet6');
    w.line(`protocol ${s.protocol}`);
    w.line(`lvs_sched ${s.scheduler}`);
    for (const f of s.schedulerFlags ?? []) w.line(f);
    if (s.onePacket) w.line('ops');
    const t = s.tunnel;
    const tun = t
      ? ` type ${t.type.toLowerCase()}${t.port !== undefined ? ` port ${t.port}` : ''} ${{ None: 'nocsum', Checksum: 'csum', RemoteChecksum: 'remcsum' }[t.checksum]}`
      : '';
    w.line(`lvs_method ${s.forwarding}${tun}`);
    if (s.persistence) {
      w.line(`persistence_timeout ${secs(s.persistence.timeout)}`);
      const g = s.persistence.granularity;
      const v6 = s.fwmark !== undefined ? s.family === 'IPv6' : (first?.ip.includes(':') ?? false);
      if (g !== undefined) w.line(`persistence_granularity ${v6 ? g : maskOf(g)}`);
      if (s.persistence.engine) w.line(`persistence_engine ${word(s.persistence.engine)}`);
    }
    if (s.quorum !== 1) w.line(`quorum ${s.quorum}`);
    if (s.hysteresis !== 0) w.line(`hysteresis ${s.hysteresis}`);
    if (s.notify?.quorumUp) w.line(`quorum_up ${script(s.notify.quorumUp)}`);
    if (s.notify?.quorumDown) w.line(`quorum_down ${script(s.notify.quorumDown)}`);
    if (s.sorryServer) {
      w.line(
        `sorry_server ${s.sorryServer.address}${s.sorryServer.port !== undefined ? ` ${s.sorryServer.port}` : ''}`,
      );
      if (s.sorryServer.inhibit) w.line('sorry_server_inhibit');
      if (s.sorryServer.forwarding) w.line(`sorry_server_lvs_method ${s.sorryServer.forwarding}`);
    }
    if (s.inhibitOnFailure) w.line('inhibit_on_failure');
    if (s.alpha) w.line('alpha');
    if (s.omega) w.line('omega');
    if (s.haSuspend) w.line('ha_suspend');
    for (const rs of realServersOf(vs, all, sink, at)) writeRealServer(cw, s, rs, () => `file_${++files.next}`);
  });
  w.blank();
}

/**
 * Writes manifests back as a keepalived.conf: the normalised form (one keyword per line,
 * resolved timers on every checker, defaults left out where keepalived's equal ours). Pure;
 * what keepalived cannot say is reported, not silently dropped.
 */
export function exportKeepalived(docs: readonly ExportDocument[]): ExportResult {
  const sink = new DiagnosticSink();
  const loaded = load(docs, sink);
  const w = new Writer();
  w.line('# Written by lvsctl export.');
  w.blank();
  writeGlobalDefs(w, loaded.groups);
  writeScripts(w, loaded.groups, sink);
  writeSyncGroups(w, loaded.groups);
  for (const { obj, at } of loaded.groups) writeInstance(w, obj, at, loaded.secrets, sink);
  const services = new Writer();
  const files = { list: [] as string[], next: 0 };
  for (const { obj, at } of loaded.services) writeService(services, obj, at, loaded.realServers, sink, files);
  for (const tf of files.list) {
    for (const l of tf.split('\n')) w.line(l);
    w.blank();
  }
  return { text: w.text() + services.text().replace(/^\n$/, ''), diagnostics: sink.result() };
}
