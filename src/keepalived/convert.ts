import {
  API_VERSION,
  RealServerSchema,
  VirtualServerSchema,
  VrrpGroupSchema,
  parseAddressWithPrefix,
} from '../api/index.js';
import type { Statement } from './block-tree.js';
import { convertTrackFile, type TrackFile } from './convert-checks.js';
import { StatementReader, type KeywordTable } from './convert-context.js';
import { convertVirtualServer } from './convert-virtual-server.js';
import { convertVirtualServerGroup, type VirtualServerGroup } from './convert-virtual-server-group.js';
import {
  convertVrrpInstance,
  convertVrrpScript,
  passwordSecret,
  garpKeywords,
  type VrrpDefaults,
  type VrrpScript,
} from './convert-vrrp.js';
import { DiagnosticSink, sortDiagnostics, type SourcePos } from './diagnostics.js';
import { hoistSharedSettings } from './hoist.js';
import {
  VIRTUAL_SERVER_LABEL,
  type ImportedObject,
  type ImportResult,
  type Manifest,
  type RealServerManifest,
  type VirtualServerManifest,
  type VrrpGroupManifest,
} from './model.js';
import { NameRegistry, toObjectName } from './names.js';
import type { ParseResult } from './parse.js';

/** How objects are written. */
export interface ConvertOptions {
  /** metadata.namespace of every object; left out when undefined (kubectl -n decides). */
  readonly namespace?: string | undefined;
  /** Write real servers as RealServer objects selected by label instead of inline. */
  readonly realServerObjects?: boolean | undefined;
}

interface Pending {
  readonly order: number;
  readonly object: ImportedObject;
}

interface Definitions {
  readonly scripts: Map<string, VrrpScript>;
  readonly syncGroupOf: Map<string, string>;
  readonly syncMembersAt: Map<string, SourcePos>;
  readonly connectionSyncOf: Map<string, { interface?: string; syncId?: number }>;
  readonly trackFiles: Map<string, TrackFile>;
  readonly groups: Map<string, VirtualServerGroup>;
  readonly defaults: VrrpDefaults;
}

/** global_defs: the VRRP defaults and lvs_sync_daemon are carried; e-mail settings are notes. */
function readGlobalDefs(r: StatementReader, st: Statement, defs: Definitions): void {
  const table: KeywordTable = {
    vrrp_version: (s) => {
      const v = r.int(s, 2, 3);
      if (v === 2 || v === 3) defs.defaults.version = v;
    },
    ...garpKeywords(r, 'vrrp_', defs.defaults.garp),
    lvs_sync_daemon: (s) => {
      const iface = r.arg(s, 0, 'an interface and a vrrp_instance');
      const inst = r.arg(s, 1, 'a vrrp_instance name');
      if (!iface || !inst) return;
      const conn: { interface?: string; syncId?: number } = { interface: iface.text };
      for (let i = 2; i < s.args.length; i += 2) {
        const opt = s.args[i];
        const val = s.args[i + 1];
        if (opt?.text === 'id' && val) {
          const id = r.intOf(val, 'lvs_sync_daemon id', 0, 255);
          if (id !== undefined) conn.syncId = id;
        } else if (opt)
          r.notCarried(opt, `lvs_sync_daemon option ${opt.text}`, 'the sync daemon runs with kernel defaults');
      }
      defs.connectionSyncOf.set(inst.text, conn);
      defs.syncMembersAt.set(`lvs_sync_daemon:${inst.text}`, s);
    },
  };
  r.dispatch(st.block, table, 'global_defs');
}

/** vrrp_sync_group NAME { group { VI_1 VI_2 } }: the syncGroup field of each member. */
function readSyncGroup(r: StatementReader, st: Statement, defs: Definitions): void {
  const nameTok = r.arg(st, 0, 'a name');
  if (!nameTok || !r.expectBlock(st, true)) return;
  const name = toObjectName(nameTok.text, 'sync-group');
  const notify = (s: Statement): void =>
    r.notCarried(
      s,
      `${s.keyword} of vrrp_sync_group ${nameTok.text}`,
      'sync groups have no scripts; set notify on each VrrpGroup',
    );
  r.dispatch(
    st.block,
    {
      ...Object.fromEntries(SYNC_GROUP_NOTIFY.map((k) => [k, notify])),
      group: (s) => {
        if (!r.expectBlock(s, true)) return;
        for (const m of s.block ?? []) {
          defs.syncGroupOf.set(m.keyword, name);
          defs.syncMembersAt.set(m.keyword, m);
        }
      },
    },
    `vrrp_sync_group ${nameTok.text}`,
  );
}

const SYNC_GROUP_NOTIFY = ['notify_master', 'notify_backup', 'notify_fault', 'notify_stop', 'notify'];

function firstPass(r: StatementReader, statements: readonly Statement[]): Definitions {
  const defs: Definitions = {
    scripts: new Map(),
    syncGroupOf: new Map(),
    syncMembersAt: new Map(),
    connectionSyncOf: new Map(),
    trackFiles: new Map(),
    groups: new Map(),
    defaults: { garp: {} },
  };
  const remember = <T>(map: Map<string, T>, st: Statement, entry: [string, T] | undefined): void => {
    if (!entry) return;
    if (map.has(entry[0]))
      r.sink.error(st, 'KA_DUPLICATE', `${st.keyword} ${entry[0]} is defined twice; the last one is used`);
    map.set(entry[0], entry[1]);
  };
  for (const st of statements) {
    if (st.keyword === 'global_defs') readGlobalDefs(r, st, defs);
    else if (st.keyword === 'vrrp_script') remember(defs.scripts, st, convertVrrpScript(r, st));
    else if (st.keyword === 'vrrp_sync_group') readSyncGroup(r, st, defs);
    else if (st.keyword === 'track_file' || st.keyword === 'vrrp_track_file')
      remember(defs.trackFiles, st, convertTrackFile(r, st));
    else if (st.keyword === 'virtual_server_group') remember(defs.groups, st, convertVirtualServerGroup(r, st));
  }
  return defs;
}

function metadata(
  name: string,
  options: ConvertOptions,
  extra: { annotations?: Record<string, string>; labels?: Record<string, string> } = {},
) {
  return {
    name,
    ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
    ...(extra.labels && Object.keys(extra.labels).length > 0 ? { labels: extra.labels } : {}),
    ...(extra.annotations && Object.keys(extra.annotations).length > 0 ? { annotations: extra.annotations } : {}),
  };
}

/** Checks a manifest against its schema; problems become diagnostics at the source statement. */
function validated(r: StatementReader, manifest: Manifest, at: SourcePos): boolean {
  const schema =
    manifest.kind === 'VrrpGroup'
      ? VrrpGroupSchema
      : manifest.kind === 'VirtualServer'
        ? VirtualServerSchema
        : manifest.kind === 'RealServer'
          ? RealServerSchema
          : undefined;
  if (!schema) return true;
  const res = schema.safeParse(manifest);
  if (res.success) return true;
  for (const issue of res.error.issues) {
    r.sink.error(
      at,
      'KA_INVALID_OBJECT',
      `${manifest.kind} ${manifest.metadata.name}: ${issue.path.join('.') || '(object)'}: ${issue.message}`,
    );
  }
  return false;
}

/**
 * Converts a parsed keepalived configuration into lvs-operator objects. Pure: the diagnostics
 * say what was not carried and why; objects that do not validate are left out.
 */
export function convertKeepalived(parsed: ParseResult, options: ConvertOptions = {}): ImportResult {
  const sink = new DiagnosticSink();
  const r = new StatementReader(sink);
  const names = new NameRegistry();
  const defs = firstPass(r, parsed.statements);
  const pending: Pending[] = [];
  const vipOwners = new Map<string, string>();
  const instanceNames = new Set<string>();
  const add = (order: number, manifest: Manifest, source: SourcePos): void => {
    if (validated(r, manifest, source)) pending.push({ order, object: { manifest, source } });
  };

  parsed.statements.forEach((st, order) => {
    if (st.keyword !== 'vrrp_instance') return;
    const wanted = toObjectName(st.args[0]?.text ?? '', 'vrrp-group');
    const conv = convertVrrpInstance(r, st, names.claim('VrrpGroup', wanted), defs);
    if (!conv) return;
    instanceNames.add(conv.keepalivedName);
    const manifest: VrrpGroupManifest = {
      apiVersion: API_VERSION,
      kind: 'VrrpGroup',
      metadata: metadata(conv.name, options, { annotations: conv.annotations }),
      spec: conv.spec,
    };
    const before = pending.length;
    add(order, manifest, st);
    if (pending.length === before) return;
    for (const v of [...conv.spec.virtualIPs, ...(conv.spec.excludedVirtualIPs ?? [])]) {
      const ip = parseAddressWithPrefix(v.address)?.ip.text;
      if (ip !== undefined && !vipOwners.has(ip)) vipOwners.set(ip, conv.name);
    }
    if (conv.password !== undefined) {
      pending.push({
        order,
        object: { manifest: passwordSecret(conv.name, conv.password, options.namespace), source: st },
      });
    }
  });
  for (const [member, at] of defs.syncMembersAt) {
    const inst = member.replace(/^lvs_sync_daemon:/, '');
    if (!instanceNames.has(inst)) sink.error(at, 'KA_UNDEFINED_REFERENCE', `${inst}: no vrrp_instance of that name`);
  }

  const ctx = { groups: defs.groups, trackFiles: defs.trackFiles, vipOwner: (ip: string) => vipOwners.get(ip) };
  parsed.statements.forEach((st, order) => {
    if (st.keyword !== 'virtual_server') return;
    const conv = convertVirtualServer(r, st, ctx);
    if (!conv) return;
    const name = names.claim('VirtualServer', conv.wantedName);
    const spec = hoistSharedSettings(conv.spec);
    if (!options.realServerObjects || !spec.realServers) {
      add(
        order,
        {
          apiVersion: API_VERSION,
          kind: 'VirtualServer',
          metadata: metadata(name, options),
          spec,
        } satisfies VirtualServerManifest,
        st,
      );
      return;
    }
    const { realServers, ...rest } = spec;
    const labels = { [VIRTUAL_SERVER_LABEL]: name };
    add(
      order,
      {
        apiVersion: API_VERSION,
        kind: 'VirtualServer',
        metadata: metadata(name, options),
        spec: { ...rest, realServerSelector: { matchLabels: labels } },
      } satisfies VirtualServerManifest,
      st,
    );
    for (const rs of realServers) {
      const rsName = names.claim('RealServer', toObjectName(`${name}-${rs.address}-${rs.port ?? 0}`));
      add(
        order,
        {
          apiVersion: API_VERSION,
          kind: 'RealServer',
          metadata: metadata(rsName, options, { labels }),
          spec: rs,
        } satisfies RealServerManifest,
        st,
      );
    }
  });

  const handled = new Set([
    'global_defs',
    'vrrp_script',
    'vrrp_sync_group',
    'track_file',
    'vrrp_track_file',
    'virtual_server_group',
    'vrrp_instance',
    'virtual_server',
  ]);
  for (const st of parsed.statements) if (!handled.has(st.keyword)) r.uncarried(st, 'the top level');

  const objects = pending.sort((a, b) => a.order - b.order).map((p) => p.object);
  return { objects, diagnostics: sortDiagnostics([...parsed.diagnostics, ...sink.result()]), files: parsed.files };
}
