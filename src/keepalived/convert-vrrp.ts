import { MAX_LIST, SECRET_TYPE } from '../api/index.js';
import type { Statement } from './block-tree.js';
import { duration, type KeywordTable, type StatementReader } from './convert-context.js';
import type { SourcePos } from './diagnostics.js';
import { inKeyOrder } from './key-order.js';
import {
  INITIAL_STATE_ANNOTATION,
  PASSWORD_KEY,
  type SecretManifest,
  type TrackScriptInput,
  type VrrpGroupSpecInput,
} from './model.js';
import { toObjectName } from './names.js';

/** A vrrp_script, ready to be tracked by instances. */
export interface VrrpScript {
  readonly source: SourcePos;
  readonly spec: TrackScriptInput;
}

/** global_defs settings that are defaults for every vrrp_instance. */
export interface VrrpDefaults {
  version?: 2 | 3;
  garp: Record<string, string | number>;
}

/** What the rest of the configuration says about one instance. */
export interface VrrpContext {
  readonly scripts: ReadonlyMap<string, VrrpScript>;
  readonly defaults: VrrpDefaults;
  readonly syncGroupOf: ReadonlyMap<string, string>;
  readonly connectionSyncOf: ReadonlyMap<string, { interface?: string; syncId?: number }>;
}

/** A converted vrrp_instance, with the password that goes into its Secret. */
export interface ConvertedVrrpInstance {
  readonly keepalivedName: string;
  readonly name: string;
  readonly spec: VrrpGroupSpecInput;
  readonly annotations: Record<string, string>;
  readonly password: string | undefined;
}

/** GARP keywords of vrrp_instance and their global_defs defaults (vrrp_garp_*). */
const GARP_FIELDS: Readonly<Record<string, { field: string; kind: 'seconds' | 'count' }>> = {
  garp_master_delay: { field: 'masterDelay', kind: 'seconds' },
  garp_master_repeat: { field: 'masterRepeat', kind: 'count' },
  garp_master_refresh: { field: 'masterRefresh', kind: 'seconds' },
  garp_master_refresh_repeat: { field: 'masterRefreshRepeat', kind: 'count' },
  garp_interval: { field: 'interval', kind: 'seconds' },
};

/**
 * The GARP keywords as keyword-table handlers that read into `into`: unprefixed in
 * vrrp_instance, prefixed `vrrp_` in global_defs.
 */
export function garpKeywords(
  r: StatementReader,
  prefix: '' | 'vrrp_',
  into: Record<string, string | number>,
): KeywordTable {
  return Object.fromEntries(
    Object.keys(GARP_FIELDS).map((k) => [prefix + k, (s: Statement): void => readGarp(r, s, k, into)]),
  );
}

/** The optional `weight N` after a tracked interface or script (keepalived's -253 to 253). */
function trackWeight(r: StatementReader, keyword: string, line: Statement): number | undefined {
  const [first, n] = line.args;
  if (first?.text === 'weight') return n ? r.intOf(n, `${keyword} weight`, -253, 253) : undefined;
  if (first) r.bad(first, `${keyword}: expected "weight N" after ${line.keyword}`);
  return undefined;
}

/** Reads one GARP setting into `into`. */
function readGarp(r: StatementReader, st: Statement, keyword: string, into: Record<string, string | number>): void {
  const g = GARP_FIELDS[keyword];
  if (!g) return;
  if (g.kind === 'count') {
    const v = r.int(st, 1, 255);
    if (v !== undefined) into[g.field] = v;
  } else {
    const max = keyword === 'garp_interval' ? 1000 : keyword === 'garp_master_delay' ? 3_600_000 : 86_400_000;
    const v = r.seconds(st, 0, max);
    if (v !== undefined) into[g.field] = duration(v);
  }
}

/** vrrp_script NAME { script, interval, timeout, weight, rise, fall, user }. */
export function convertVrrpScript(r: StatementReader, st: Statement): [string, VrrpScript] | undefined {
  const nameTok = r.arg(st, 0, 'a name');
  if (!nameTok || !r.expectBlock(st, true)) return undefined;
  const spec: Partial<TrackScriptInput> = { name: toObjectName(nameTok.text, 'script') };
  const table: KeywordTable = {
    script: (s) => {
      const argv = r.command(s);
      if (argv) spec.command = argv;
    },
    interval: (s) => set(spec, 'interval', r.seconds(s, 10)),
    timeout: (s) => set(spec, 'timeout', r.seconds(s, 10)),
    rise: (s) => setInt(spec, 'rise', r.int(s, 1, 1000)),
    fall: (s) => setInt(spec, 'fall', r.int(s, 1, 1000)),
    weight: (s) => {
      const w = r.int(s, -253, 253);
      if (w !== undefined) spec.weight = w;
      if (s.args[1])
        r.notCarried(s.args[1], `weight ${s.args[1].text}`, 'weights apply as written (reverse is not supported)');
    },
    user: (s) => {
      const u = r.arg(s, 0, 'a user name');
      if (u) spec.user = u.text;
      if (s.args[1]) r.notCarried(s.args[1], 'the group of a script user', 'scripts run with the user primary group');
    },
  };
  r.dispatch(st.block, table, `vrrp_script ${nameTok.text}`);
  if (spec.command === undefined) {
    r.sink.error(st, 'KA_MISSING_VALUE', `vrrp_script ${nameTok.text} has no script`);
    return undefined;
  }
  return [nameTok.text, { source: st, spec: spec as TrackScriptInput }];
}

function set<T extends object>(o: T, key: keyof T & string, ms: number | undefined): void {
  if (ms !== undefined) (o as Record<string, unknown>)[key] = duration(ms);
}
function setInt<T extends object>(o: T, key: keyof T & string, v: number | undefined): void {
  if (v !== undefined) (o as Record<string, unknown>)[key] = v;
}

/** Lines of virtual_ipaddress: `ADDR[/LEN] [dev IF] [label L] [brd X] [scope S] ...`. */
function readVips(r: StatementReader, st: Statement): VrrpGroupSpecInput['virtualIPs'] {
  const vips: VrrpGroupSpecInput['virtualIPs'] = [];
  if (!r.expectBlock(st, true)) return vips;
  for (const line of st.block ?? []) {
    const address = r.addressWithPrefix({ ...line, text: line.keyword, quoted: false }, st.keyword);
    if (line.block) r.expectBlock(line, false);
    if (address === undefined) continue;
    const vip: VrrpGroupSpecInput['virtualIPs'][number] = { address };
    for (let i = 0; i < line.args.length; i++) {
      const opt = line.args[i];
      if (!opt) continue;
      const value = line.args[i + 1];
      if (opt.text === 'dev' && value) {
        vip.interface = value.text;
        i++;
      } else if (opt.text === 'label' && value) {
        vip.label = value.text;
        i++;
      } else if (['brd', 'broadcast', 'scope', 'metric', 'peer'].includes(opt.text) && value) {
        r.notCarried(opt, `${opt.text} ${value.text} of a virtual IP`, 'addresses are added with the kernel defaults');
        i++;
      } else {
        r.notCarried(opt, `virtual IP option "${opt.text}"`, 'lvs-operator has no equivalent');
      }
    }
    vips.push(vip);
    if (vips.length > MAX_LIST) {
      // The API lists at most MAX_LIST; say so once instead of validating a huge list.
      r.sink.error(line, 'KA_BAD_VALUE', `${st.keyword}: more than ${MAX_LIST} addresses; the rest is ignored`);
      vips.pop();
      break;
    }
  }
  return vips;
}

/** Instance keywords that take effect on the VrrpGroup spec. */
function instanceTable(
  r: StatementReader,
  spec: Partial<VrrpGroupSpecInput> & Record<string, unknown>,
  local: {
    state?: string;
    stateAt?: SourcePos;
    nopreemptAt?: SourcePos;
    preemptDelayAt?: SourcePos;
    password?: string;
  },
  ctx: VrrpContext,
  garp: Record<string, string | number>,
  label: string,
): KeywordTable {
  const notify =
    (field: string) =>
    (s: Statement): void => {
      const argv = r.command(s);
      if (argv) spec.notify = { ...spec.notify, [field]: argv };
    };
  return {
    state: (s) => {
      const t = r.arg(s, 0, 'MASTER or BACKUP');
      if (t && (t.text === 'MASTER' || t.text === 'BACKUP')) {
        local.state = t.text;
        local.stateAt = s;
      } else if (t) r.bad(t, `state: "${t.text}" is not MASTER or BACKUP`);
    },
    interface: (s) => {
      const t = r.arg(s, 0, 'an interface name');
      if (t) spec.interface = t.text;
    },
    virtual_router_id: (s) => setInt(spec, 'virtualRouterId', r.int(s, 1, 255)),
    priority: (s) => setInt(spec, 'priority', r.int(s, 1, 255)),
    advert_int: (s) => set(spec, 'advertInterval', r.seconds(s, 10, 255_000)),
    version: (s) => {
      const v = r.int(s, 2, 3);
      if (v === 2 || v === 3) spec.version = v;
    },
    nopreempt: (s) => {
      spec.preempt = false;
      local.nopreemptAt = s;
    },
    preempt: () => {
      spec.preempt = true;
    },
    preempt_delay: (s) => {
      set(spec, 'preemptDelay', r.seconds(s, 0, 1_000_000));
      local.preemptDelayAt = s;
    },
    accept: () => {
      spec.acceptMode = true;
    },
    no_accept: () => {
      spec.acceptMode = false;
    },
    virtual_ipaddress: (s) => {
      spec.virtualIPs = [...(spec.virtualIPs ?? []), ...readVips(r, s)];
    },
    virtual_ipaddress_excluded: (s) => {
      spec.excludedVirtualIPs = [...(spec.excludedVirtualIPs ?? []), ...readVips(r, s)];
    },
    unicast_src_ip: (s) => {
      const ip = r.ip(r.arg(s, 0, 'an address'), s.keyword);
      if (ip) spec.unicastSourceIP = ip.text;
    },
    unicast_peer: (s) => {
      if (!r.expectBlock(s, true)) return;
      const peers: string[] = [...(spec.unicastPeers ?? [])];
      for (const line of s.block ?? []) {
        const ip = r.ip({ ...line, text: line.keyword, quoted: false }, 'unicast_peer');
        if (ip) peers.push(ip.text);
        if (line.args[0])
          r.notCarried(line.args[0], `unicast peer option "${line.args[0].text}"`, 'peers are plain addresses');
      }
      if (peers.length > 0) spec.unicastPeers = peers;
    },
    authentication: (s) => {
      if (!r.expectBlock(s, true)) return;
      let type: string | undefined;
      r.dispatch(
        s.block,
        {
          auth_type: (a) => {
            type = r.arg(a, 0, 'PASS or AH')?.text;
            if (type !== undefined && type !== 'PASS') {
              r.notCarried(a, `auth_type ${type}`, 'only PASS authentication exists (IPsec AH is not supported)');
            }
          },
          auth_pass: (a) => {
            const p = r.arg(a, 0, 'a password');
            if (p) local.password = p.text;
          },
        },
        `authentication of ${label}`,
      );
      if (type !== 'PASS') delete local.password;
    },
    track_interface: (s) => {
      if (!r.expectBlock(s, true)) return;
      const list = [...(spec.trackInterfaces ?? [])];
      for (const line of s.block ?? []) {
        const weight = trackWeight(r, 'track_interface', line);
        list.push({ name: line.keyword, ...(weight !== undefined ? { weight } : {}) });
      }
      if (list.length > 0) spec.trackInterfaces = list;
    },
    track_script: (s) => {
      if (!r.expectBlock(s, true)) return;
      const list = [...(spec.trackScripts ?? [])];
      for (const line of s.block ?? []) {
        const script = ctx.scripts.get(line.keyword);
        if (!script) {
          r.sink.error(line, 'KA_UNDEFINED_REFERENCE', `track_script ${line.keyword}: no vrrp_script of that name`);
          continue;
        }
        const weight = trackWeight(r, 'track_script', line);
        list.push({ ...script.spec, ...(weight !== undefined ? { weight } : {}) });
      }
      if (list.length > 0) spec.trackScripts = list;
    },
    notify_master: notify('master'),
    notify_backup: notify('backup'),
    notify_fault: notify('fault'),
    notify_stop: notify('stop'),
    notify: notify('any'),
    ...garpKeywords(r, '', garp),
    lvs_sync_daemon_interface: (s) => {
      const t = r.arg(s, 0, 'an interface name');
      if (t) spec.connectionSync = { interface: t.text };
    },
  };
}

/** The field order of a written VrrpGroup spec. */
const SPEC_KEY_ORDER = [
  'virtualRouterId',
  'version',
  'interface',
  'priority',
  'advertInterval',
  'preempt',
  'preemptDelay',
  'acceptMode',
  'virtualIPs',
  'excludedVirtualIPs',
  'unicastSourceIP',
  'unicastPeers',
  'authentication',
  'trackInterfaces',
  'trackScripts',
  'garp',
  'notify',
  'syncGroup',
  'connectionSync',
] as const;

/**
 * vrrp_instance → VrrpGroup spec. keepalived's defaults that differ from the API's are written
 * out (preempt: keepalived preempts unless nopreempt), and its start-up rules are applied:
 * state MASTER without a priority means 255, and clears nopreempt and preempt_delay
 * (vrrp.c, vrrp_complete_instance).
 */
export function convertVrrpInstance(
  r: StatementReader,
  st: Statement,
  name: string,
  ctx: VrrpContext,
): ConvertedVrrpInstance | undefined {
  const nameTok = r.arg(st, 0, 'a name');
  if (!nameTok || !r.expectBlock(st, true)) return undefined;
  const label = `vrrp_instance ${nameTok.text}`;
  const spec: Partial<VrrpGroupSpecInput> & Record<string, unknown> = {};
  const local: Parameters<typeof instanceTable>[2] = {};
  const garp: Record<string, string | number> = { ...ctx.defaults.garp };
  r.dispatch(st.block, instanceTable(r, spec, local, ctx, garp, label), label);

  let ok = true;
  for (const [field, keyword] of [
    ['interface', 'interface'],
    ['virtualRouterId', 'virtual_router_id'],
  ] as const) {
    if (spec[field] === undefined) {
      r.sink.error(st, 'KA_MISSING_VALUE', `${label} has no ${keyword}`);
      ok = false;
    }
  }
  if (!spec.virtualIPs || spec.virtualIPs.length === 0) {
    r.sink.error(st, 'KA_MISSING_VALUE', `${label} has no virtual_ipaddress (a VrrpGroup needs at least one)`);
    ok = false;
  }
  if (!ok) return undefined;

  if (spec.version === undefined && ctx.defaults.version !== undefined) spec.version = ctx.defaults.version;
  const isMaster = local.state === 'MASTER';
  spec.priority ??= isMaster ? 255 : 100;
  spec.advertInterval ??= '1s';
  if (spec.preempt === undefined) spec.preempt = true;
  if (isMaster && local.nopreemptAt) {
    r.sink.warning(
      local.nopreemptAt,
      'KA_BAD_VALUE',
      `${label}: nopreempt has no effect with state MASTER (keepalived clears it); preempt is on`,
    );
    spec.preempt = true;
  }
  if (spec.preemptDelay !== undefined && (!spec.preempt || isMaster) && local.preemptDelayAt) {
    r.sink.warning(
      local.preemptDelayAt,
      'KA_BAD_VALUE',
      `${label}: preempt_delay has no effect without preemption or with state MASTER; dropped`,
    );
    delete spec.preemptDelay;
  }
  if (Object.keys(garp).length > 0) spec.garp = garp as VrrpGroupSpecInput['garp'];
  const sync = ctx.syncGroupOf.get(nameTok.text);
  if (sync !== undefined) spec.syncGroup = sync;
  const conn = ctx.connectionSyncOf.get(nameTok.text);
  if (conn !== undefined) spec.connectionSync = { ...conn };
  if (local.password !== undefined) {
    spec.authentication = { type: 'PASS', secretRef: { name: `${name}-auth`, key: PASSWORD_KEY } };
  }
  const annotations: Record<string, string> = {};
  if (local.state !== undefined) annotations[INITIAL_STATE_ANNOTATION] = local.state;
  return {
    keepalivedName: nameTok.text,
    name,
    spec: inKeyOrder(spec, SPEC_KEY_ORDER) as VrrpGroupSpecInput,
    annotations,
    password: local.password,
  };
}

/** The Secret of a PASS-authenticated group. */
export function passwordSecret(groupName: string, password: string, namespace: string | undefined): SecretManifest {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `${groupName}-auth`, ...(namespace !== undefined ? { namespace } : {}) },
    // The only type the director reads in a cluster (SECRET_TYPE in src/api/secret.ts).
    type: SECRET_TYPE,
    stringData: { [PASSWORD_KEY]: password },
  };
}
