import { SCHEDULERS, type Scheduler } from '../api/index.js';
import type { Statement } from './block-tree.js';
import {
  CASCADE,
  cascadeOf,
  convertChecker,
  isChecker,
  KEEPALIVED_DELAY_LOOP_MS,
  type CheckDefaults,
  type TrackFile,
} from './convert-checks.js';
import {
  duration,
  parseAddress,
  type ContextTable,
  type KeywordTable,
  type StatementReader,
} from './convert-context.js';
import type { Token } from './lexer.js';
import type { VirtualServerGroup } from './convert-virtual-server-group.js';
import type { HealthCheckInput, InlineRealServerInput, VirtualServerSpecInput } from './model.js';
import { serviceName, toObjectName } from './names.js';

/** What the rest of the configuration says to a virtual_server. */
export interface VirtualServerContext {
  readonly groups: ReadonlyMap<string, VirtualServerGroup>;
  readonly trackFiles: ReadonlyMap<string, TrackFile>;
  /** Name of the VrrpGroup that carries a VIP (keepalived links them by address). */
  readonly vipOwner: (ip: string) => string | undefined;
}

/** A converted virtual_server: its spec and the name it asks for (made unique by the caller). */
export interface ConvertedVirtualServer {
  readonly wantedName: string;
  readonly spec: VirtualServerSpecInput;
}

/** `lb_kind|lvs_method NAT|DR|TUN [type ipip|gue|gre] [port N] [nocsum|csum|remcsum]`. */
function readForwarding(
  r: StatementReader,
  st: Statement,
): { forwarding: 'NAT' | 'DR' | 'TUN'; tunnel?: NonNullable<VirtualServerSpecInput['tunnel']> } | undefined {
  const t = r.arg(st, 0, 'NAT, DR or TUN');
  if (!t) return undefined;
  if (t.text !== 'NAT' && t.text !== 'DR' && t.text !== 'TUN')
    return r.bad(t, `${st.keyword}: "${t.text}" is not NAT, DR or TUN`);
  if (st.args.length === 1) return { forwarding: t.text };
  const tunnel: NonNullable<VirtualServerSpecInput['tunnel']> = {};
  for (let i = 1; i < st.args.length; i++) {
    const opt = st.args[i];
    const val = st.args[i + 1];
    if (!opt) continue;
    if (opt.text === 'type' && val && ['ipip', 'gue', 'gre'].includes(val.text)) {
      tunnel.type = val.text.toUpperCase() as 'IPIP' | 'GUE' | 'GRE';
      i++;
    } else if (opt.text === 'port' && val) {
      const p = r.port(val, 'tunnel port');
      if (p !== undefined) tunnel.port = p;
      i++;
    } else if (opt.text === 'nocsum') tunnel.checksum = 'None';
    else if (opt.text === 'csum') tunnel.checksum = 'Checksum';
    else if (opt.text === 'remcsum') tunnel.checksum = 'RemoteChecksum';
    else return r.bad(opt, `${st.keyword}: "${opt.text}" is not a tunnel option (type, port, nocsum, csum, remcsum)`);
  }
  if (t.text !== 'TUN') return r.bad(st.args[1] ?? st, `${st.keyword}: tunnel options need TUN`);
  return { forwarding: 'TUN', tunnel };
}

/** The API's bound on inline real servers (VirtualServerSpec.realServers). */
const MAX_REAL_SERVERS = 1024;

/** A dotted netmask or a prefix length → prefix length. */
function prefixLength(r: StatementReader, st: Statement): number | undefined {
  const t = r.arg(st, 0, 'a netmask');
  if (!t) return undefined;
  if (/^[0-9]{1,3}$/.test(t.text) && Number(t.text) <= 128) return Number(t.text);
  const ip = parseAddress(t.text);
  if (ip?.family === 4) {
    const bits = [...ip.bytes].map((b) => b.toString(2).padStart(8, '0')).join('');
    if (/^1*0*$/.test(bits)) return bits.indexOf('0') < 0 ? 32 : bits.indexOf('0');
  }
  return r.bad(t, `persistence_granularity: "${t.text}" is not a netmask such as 255.255.255.0`);
}

interface Building {
  spec: Partial<VirtualServerSpecInput> & Record<string, unknown>;
  d: CheckDefaults;
  defaultWeight: number | undefined;
  flags: Token[];
  realServers: { st: Statement; rs: InlineRealServerInput }[];
  pendingServers: Statement[];
  head: { addresses?: { ip: string; port: number }[]; fwmark?: number; groupName?: string };
}

function serviceTable(r: StatementReader, b: Building): KeywordTable {
  const { spec } = b;
  const quorumNotify =
    (field: 'quorumUp' | 'quorumDown') =>
    (s: Statement): void => {
      const argv = r.command(s);
      if (argv) spec.notify = { ...spec.notify, [field]: argv };
    };
  const flag = (s: Statement): void => {
    b.flags.push({ ...s, text: s.keyword, quoted: false });
  };
  const scheduler = (s: Statement): void => {
    const t = r.arg(s, 0, 'a scheduler');
    if (t && (SCHEDULERS as readonly string[]).includes(t.text)) spec.scheduler = t.text as Scheduler;
    else if (t) r.bad(t, `${s.keyword}: "${t.text}" is not an IPVS scheduler (${SCHEDULERS.join(' ')})`);
  };
  const forwarding = (s: Statement): void => {
    const f = readForwarding(r, s);
    if (!f) return;
    spec.forwarding = f.forwarding;
    if (f.tunnel) spec.tunnel = f.tunnel;
  };
  return {
    ...Object.fromEntries(Object.entries(CASCADE).map(([k, h]) => [k, (s: Statement) => h(r, s, b.d)])),
    lb_algo: scheduler,
    lvs_sched: scheduler,
    lb_kind: forwarding,
    lvs_method: forwarding,
    ops: () => {
      spec.onePacket = true;
    },
    'flag-1': flag,
    'flag-2': flag,
    'flag-3': flag,
    'sh-port': flag,
    'sh-fallback': flag,
    'mh-port': flag,
    'mh-fallback': flag,
    persistence_timeout: (s) => {
      const ms = s.args.length === 0 ? 360_000 : r.seconds(s, 1000, 2_678_400_000);
      if (ms !== undefined) spec.persistence = { ...spec.persistence, timeout: duration(ms) };
    },
    persistence_granularity: (s) => {
      const len = prefixLength(r, s);
      if (len !== undefined) spec.persistence = { ...spec.persistence, granularity: len };
    },
    persistence_engine: (s) => {
      const t = r.arg(s, 0, 'an engine name');
      if (t) spec.persistence = { ...spec.persistence, engine: t.text };
    },
    protocol: (s) => {
      const t = r.arg(s, 0, 'TCP, UDP or SCTP');
      if (t?.text === 'TCP' || t?.text === 'UDP' || t?.text === 'SCTP') spec.protocol = t.text;
      else if (t) r.bad(t, `protocol: "${t.text}" is not TCP, UDP or SCTP`);
    },
    ip_family: (s) => {
      const t = r.arg(s, 0, 'inet or inet6');
      if (t?.text === 'inet' || t?.text === 'inet6') spec.family = t.text === 'inet' ? 'IPv4' : 'IPv6';
      else if (t) r.bad(t, `ip_family: "${t.text}" is not inet or inet6`);
    },
    ha_suspend: () => {
      spec.haSuspend = true;
    },
    inhibit_on_failure: (s) => {
      const on = r.flag(s);
      if (on !== undefined) spec.inhibitOnFailure = on;
    },
    alpha: (s) => {
      const on = r.flag(s);
      if (on !== undefined) spec.alpha = on;
    },
    omega: (s) => {
      const on = r.flag(s);
      if (on !== undefined) spec.omega = on;
    },
    quorum: (s) => {
      const v = r.int(s, 1, 65535);
      if (v !== undefined) spec.quorum = v;
    },
    hysteresis: (s) => {
      const v = r.int(s, 0, 65535);
      if (v !== undefined) spec.hysteresis = v;
    },
    quorum_up: quorumNotify('quorumUp'),
    quorum_down: quorumNotify('quorumDown'),
    weight: (s) => {
      b.defaultWeight = r.int(s, 0, 65535);
    },
    sorry_server: (s) => {
      const ip = r.ip(r.arg(s, 0, 'an address and port'), 'sorry_server');
      const port = s.args[1] ? r.port(s.args[1], 'sorry_server port') : undefined;
      if (ip) spec.sorryServer = { ...spec.sorryServer, address: ip.text, ...(port !== undefined ? { port } : {}) };
    },
    sorry_server_inhibit: (s) => {
      const on = r.flag(s);
      if (on !== undefined) spec.sorryServer = { address: '', ...spec.sorryServer, inhibit: on };
    },
    sorry_server_lvs_method: (s) => {
      const f = readForwarding(r, s);
      if (f) spec.sorryServer = { address: '', ...spec.sorryServer, forwarding: f.forwarding };
    },
    real_server: (s) => {
      // Converted after the whole block: service settings apply wherever they are written
      // (keepalived completes the checkers of a virtual_server at its end).
      b.pendingServers.push(s);
    },
  };
}

/** What the handlers of one real_server block work on. */
interface RealServerContext {
  readonly rs: InlineRealServerInput & Record<string, unknown>;
  readonly d: CheckDefaults;
}

const REAL_SERVER_TABLE: ContextTable<RealServerContext> = {
  ...cascadeOf<RealServerContext>((c) => c.d),
  weight: (r, s, { rs }) => {
    const w = r.int(s, 0, 65535);
    if (w !== undefined) rs.weight = w;
  },
  lvs_method: (r, s, { rs }) => {
    const f = readForwarding(r, s);
    if (f) rs.forwarding = f.forwarding;
    if (f?.tunnel) r.notCarried(s, 'tunnel options of a real server', 'tunnel settings are per VirtualServer');
  },
  uthreshold: (r, s, { rs }) => {
    const v = r.int(s, 0, 65535);
    if (v !== undefined) rs.upperThreshold = v;
  },
  lthreshold: (r, s, { rs }) => {
    const v = r.int(s, 0, 65535);
    if (v !== undefined) rs.lowerThreshold = v;
  },
  inhibit_on_failure: (r, s, { rs }) => {
    const on = r.flag(s);
    if (on !== undefined) rs.inhibitOnFailure = on;
  },
  notify_up: (r, s, { rs }) => {
    const argv = r.command(s);
    if (argv) rs.notify = { ...rs.notify, up: argv };
  },
  notify_down: (r, s, { rs }) => {
    const argv = r.command(s);
    if (argv) rs.notify = { ...rs.notify, down: argv };
  },
};

/** real_server IP [PORT] { weight, lvs_method, thresholds, notify_*, checkers, cascading timers }. */
function convertRealServer(
  r: StatementReader,
  st: Statement,
  b: Building,
  ctx: VirtualServerContext,
): InlineRealServerInput | undefined {
  const ip = r.ip(r.arg(st, 0, 'an address'), 'real_server');
  const port = st.args[1] ? r.port(st.args[1], 'real_server port') : undefined;
  if (!ip || (st.args[1] && port === undefined)) return undefined;
  const rs: InlineRealServerInput & Record<string, unknown> = { address: ip.text };
  if (port !== undefined) rs.port = port;
  rs.weight = b.defaultWeight ?? 1;
  const c: RealServerContext = { rs, d: { ...b.d } };
  const checkers: Statement[] = [];
  const settings: Statement[] = [];
  for (const s of st.block ?? []) (isChecker(s.keyword) ? checkers : settings).push(s);
  r.dispatchWith(settings, REAL_SERVER_TABLE, c, `real_server ${ip.text}${port !== undefined ? ` ${port}` : ''}`);
  const checks: HealthCheckInput[] = [];
  for (const s of checkers) {
    if (s.keyword === 'BFD_CHECK') r.uncarried(s, 'real_server');
    else checks.push(...convertChecker(r, s, c.d, ctx.trackFiles));
  }
  if (checks.length > 0) rs.healthChecks = checks;
  return rs;
}

/** Resolves the scheduler flag keywords once the scheduler is known (flag-1 = *-fallback, flag-2 = *-port). */
function resolveFlags(r: StatementReader, b: Building): void {
  const sched = b.spec.scheduler ?? 'wlc';
  const out: NonNullable<VirtualServerSpecInput['schedulerFlags']> = [];
  for (const f of b.flags) {
    const name = f.text === 'flag-1' ? `${sched}-fallback` : f.text === 'flag-2' ? `${sched}-port` : f.text;
    if (
      (name === 'sh-fallback' || name === 'sh-port' || name === 'mh-fallback' || name === 'mh-port') &&
      name.startsWith(`${sched}-`)
    ) {
      if (!out.includes(name)) out.push(name);
    } else {
      r.notCarried(f, f.text, `it means nothing for scheduler ${sched}`);
    }
  }
  if (out.length > 0) b.spec.schedulerFlags = out;
}

/** The head of virtual_server: `IP PORT`, `fwmark N` or `group NAME`. */
function readHead(r: StatementReader, st: Statement, ctx: VirtualServerContext): Building['head'] | undefined {
  const first = r.arg(st, 0, 'an address and port, "fwmark N" or "group NAME"');
  if (!first) return undefined;
  if (first.text === 'fwmark') {
    const mark = r.int(st, 1, 4294967295, 1);
    return mark === undefined ? undefined : { fwmark: mark };
  }
  if (first.text === 'group') {
    const nameTok = r.arg(st, 1, 'a virtual_server_group name');
    if (!nameTok) return undefined;
    const g = ctx.groups.get(nameTok.text);
    if (!g) {
      r.sink.error(
        nameTok,
        'KA_UNDEFINED_REFERENCE',
        `virtual_server group ${nameTok.text}: no virtual_server_group of that name`,
      );
      return undefined;
    }
    if (g.fwmarks.length > 0 && (g.addresses.length > 0 || g.fwmarks.length > 1)) {
      r.sink.error(
        nameTok,
        'KA_BAD_VALUE',
        `virtual_server_group ${nameTok.text} mixes fwmarks with addresses or lists several fwmarks; a VirtualServer has addresses or one fwmark`,
      );
      return undefined;
    }
    const fw = g.fwmarks[0];
    return fw
      ? { fwmark: fw.fwmark, groupName: nameTok.text }
      : { addresses: [...g.addresses], groupName: nameTok.text };
  }
  const ip = r.ip(first, 'virtual_server');
  const port = r.port(r.arg(st, 1, 'a port'), 'virtual_server port');
  if (!ip || port === undefined) return undefined;
  r.noExtra(st, 2);
  return { addresses: [{ ip: ip.text, port }] };
}

/**
 * virtual_server → VirtualServer spec. Legacy aliases (lb_algo, lb_kind, nb_get_retry) read as
 * their new names; delay_loop and the other checker timers cascade onto every check.
 */
export function convertVirtualServer(
  r: StatementReader,
  st: Statement,
  ctx: VirtualServerContext,
): ConvertedVirtualServer | undefined {
  const head = readHead(r, st, ctx);
  if (!head || !r.expectBlock(st, true)) return undefined;
  const b: Building = {
    spec: {},
    d: { intervalMs: KEEPALIVED_DELAY_LOOP_MS },
    defaultWeight: undefined,
    flags: [],
    realServers: [],
    pendingServers: [],
    head,
  };
  const label = `virtual_server ${st.args.map((a) => a.text).join(' ')}`;
  r.dispatch(st.block, serviceTable(r, b), label);
  for (const s of b.pendingServers) {
    if (b.realServers.length >= MAX_REAL_SERVERS) {
      r.sink.error(
        s,
        'KA_BAD_VALUE',
        `more than ${MAX_REAL_SERVERS} real servers in one virtual_server; the rest is ignored`,
      );
      break;
    }
    const rs = convertRealServer(r, s, b, ctx);
    if (rs) b.realServers.push({ st: s, rs });
  }
  resolveFlags(r, b);
  const spec = b.spec;
  if (spec.sorryServer && spec.sorryServer.address === '') {
    r.sink.error(st, 'KA_MISSING_VALUE', `${label}: sorry_server options without a sorry_server`);
    delete spec.sorryServer;
  }
  const protocol = spec.protocol ?? 'TCP';
  const vipGroups = [...new Set((head.addresses ?? []).map((a) => ctx.vipOwner(a.ip)).filter((g) => g !== undefined))];
  if (vipGroups.length > 1) {
    r.sink.warning(
      st,
      'KA_BAD_VALUE',
      `${label}: its addresses are VIPs of several VrrpGroups (${vipGroups.join(', ')}); linked to ${vipGroups[0]}`,
    );
  }
  if (spec.haSuspend && vipGroups.length === 0) {
    r.notCarried(st, `${label}: ha_suspend`, 'no vrrp_instance carries its address');
    delete spec.haSuspend;
  }
  const wantedName =
    head.groupName !== undefined
      ? toObjectName(head.groupName, 'virtual-server')
      : serviceName(
          head.fwmark !== undefined ? { fwmark: head.fwmark } : (head.addresses?.[0] ?? { ip: '', port: 0 }),
          protocol,
        );

  // Every setting the block gave is carried; the caller puts the fields in the API's order
  // (hoist.ts).
  const out: Record<string, unknown> = {
    ...spec,
    protocol,
    scheduler: spec.scheduler ?? 'wlc',
    forwarding: spec.forwarding ?? 'NAT',
  };
  if (head.addresses) out['addresses'] = head.addresses;
  if (head.fwmark !== undefined) out['fwmark'] = head.fwmark;
  if (vipGroups[0] !== undefined) out['vrrpGroupRef'] = { name: vipGroups[0] };
  const rss = b.realServers.map((x) => x.rs);
  if (rss.length > 0) out['realServers'] = rss;
  return { wantedName, spec: out as VirtualServerSpecInput };
}
