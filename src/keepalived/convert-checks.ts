import { HEALTH_CHECK_TYPE_DEFAULTS, type HealthCheckType } from '../api/index.js';
import type { Statement } from './block-tree.js';
import { duration, type ContextTable, type StatementReader } from './convert-context.js';
import type { HealthCheckInput } from './model.js';
import { inKeyOrder } from './key-order.js';

/**
 * Settings that cascade from virtual_server to real_server to each checker, as keepalived
 * resolves them (check_parser.c: vs_*_handler, rs_*_handler, then the checker's own). The API
 * has no service-level delay_loop, so the resolved values are written on every check.
 */
export interface CheckDefaults {
  intervalMs: number;
  timeoutMs?: number;
  retry?: number;
  delayBeforeRetryMs?: number;
  warmupMs?: number;
  virtualhost?: string;
}

/** keepalived's delay_loop default (check_data.c). */
export const KEEPALIVED_DELAY_LOOP_MS = 60_000;
/** keepalived's connect_timeout default (check_api.c). */
export const KEEPALIVED_CONNECT_TIMEOUT_MS = 5_000;

/** The cascading keywords, shared by virtual_server, real_server and checkers. */
export const CASCADE: ContextTable<CheckDefaults> = {
  delay_loop: (r, s, d) => assign(d, 'intervalMs', r.seconds(s, 10)),
  connect_timeout: (r, s, d) => assign(d, 'timeoutMs', r.seconds(s, 10, 3_600_000)),
  retry: (r, s, d) => assign(d, 'retry', r.int(s, 0, 100)),
  nb_get_retry: (r, s, d) => assign(d, 'retry', r.int(s, 0, 100)),
  delay_before_retry: (r, s, d) => assign(d, 'delayBeforeRetryMs', r.seconds(s, 0, 3_600_000)),
  warmup: (r, s, d) => assign(d, 'warmupMs', r.seconds(s, 0)),
  virtualhost: (r, s, d) => {
    const t = r.arg(s, 0, 'a host name');
    if (t) d.virtualhost = t.text;
  },
};

/** CASCADE as handlers of another context that holds the defaults. */
export function cascadeOf<C>(defaults: (c: C) => CheckDefaults): ContextTable<C> {
  return Object.fromEntries(
    Object.entries(CASCADE).map(([k, h]) => [k, (r: StatementReader, s: Statement, c: C) => h(r, s, defaults(c))]),
  );
}

function assign<T extends object>(o: T, key: keyof T & string, v: number | undefined): void {
  if (v !== undefined) (o as Record<string, unknown>)[key] = v;
}

const CHECKERS: Readonly<Record<string, HealthCheckType>> = {
  HTTP_GET: 'HTTP',
  SSL_GET: 'HTTPS',
  TCP_CHECK: 'TCP',
  SMTP_CHECK: 'SMTP',
  DNS_CHECK: 'DNS',
  MISC_CHECK: 'MISC',
  UDP_CHECK: 'UDP',
  PING_CHECK: 'PING',
  FILE_CHECK: 'FILE',
  // ICMP_CHECK is the older name of PING_CHECK.
  ICMP_CHECK: 'PING',
};

/** True for a checker block keyword (HTTP_GET, TCP_CHECK, ...). */
export function isChecker(keyword: string): boolean {
  return Object.hasOwn(CHECKERS, keyword) || keyword === 'BFD_CHECK';
}

/** A top-level track_file (or vrrp_track_file), referenced by FILE_CHECK. */
export interface TrackFile {
  readonly path: string;
  readonly weight?: number;
  readonly reverse?: boolean;
}

/** track_file NAME { file PATH; weight N [reverse] }. */
export function convertTrackFile(r: StatementReader, st: Statement): [string, TrackFile] | undefined {
  const nameTok = r.arg(st, 0, 'a name');
  if (!nameTok || !r.expectBlock(st, true)) return undefined;
  const tf: { path?: string; weight?: number; reverse?: boolean } = {};
  r.dispatch(
    st.block,
    {
      file: (s) => {
        const t = r.arg(s, 0, 'a path');
        if (t) tf.path = t.text;
      },
      weight: (s) => {
        assign(tf, 'weight', r.int(s, -254, 254));
        if (s.args[1]?.text === 'reverse') tf.reverse = true;
      },
    },
    `track_file ${nameTok.text}`,
  );
  if (tf.path === undefined) {
    r.sink.error(st, 'KA_MISSING_VALUE', `track_file ${nameTok.text} has no file`);
    return undefined;
  }
  return [nameTok.text, { ...tf, path: tf.path }];
}

const STATUS_CODE = /^[1-5][0-9][0-9](-[1-5][0-9][0-9])?$/;

type UrlInput = NonNullable<HealthCheckInput['http']>['urls'][number];

const URL_TABLE: ContextTable<Partial<UrlInput>> = {
  path: (r, s, url) => {
    const t = r.arg(s, 0, 'a path');
    if (t && !t.text.startsWith('/')) r.bad(t, `path: "${t.text}" must start with "/"`);
    else if (t) url.path = t.text;
  },
  status_code: (r, s, url) => {
    const codes: string[] = [...(url.statusCodes ?? [])];
    if (s.args.length === 0) r.arg(s, 0, 'a status code or range');
    for (const t of s.args) {
      if (STATUS_CODE.test(t.text)) codes.push(t.text);
      else r.bad(t, `status_code: "${t.text}" is not a status code or a range such as 200-299`);
    }
    if (codes.length > 0) url.statusCodes = codes;
  },
  digest: (r, s, url) => {
    const t = r.arg(s, 0, 'an MD5 digest');
    if (t && /^[0-9a-fA-F]{32}$/.test(t.text)) url.digest = t.text.toLowerCase();
    else if (t) r.bad(t, `digest: "${t.text}" is not 32 hex digits`);
  },
  virtualhost: (r, s, url) => {
    const t = r.arg(s, 0, 'a host name');
    if (t) url.virtualhost = t.text;
  },
  regex: (r, s, url) => {
    const t = r.arg(s, 0, 'a regular expression');
    if (t) url.regex = t.text;
  },
  regex_no_match: (_r, _s, url) => {
    url.regexNoMatch = true;
  },
};

function readUrl(r: StatementReader, st: Statement): UrlInput | undefined {
  if (!r.expectBlock(st, true)) return undefined;
  const url: Partial<UrlInput> = {};
  r.dispatchWith(st.block, URL_TABLE, url, 'url');
  if (url.path === undefined) {
    r.sink.error(st, 'KA_MISSING_VALUE', 'url has no path');
    return undefined;
  }
  return { ...url, path: url.path };
}

/** What the handlers of one checker block work on. */
interface CheckContext {
  readonly type: HealthCheckType;
  readonly check: HealthCheckInput & Record<string, unknown>;
  readonly d: CheckDefaults;
  readonly trackFiles: ReadonlyMap<string, TrackFile>;
  readonly hosts: Statement[];
}

const HTTP_TABLE: ContextTable<CheckContext> = {
  url: (r, s, { check }) => {
    const url = readUrl(r, s);
    if (url) (check.http ??= { urls: [] }).urls.push(url);
  },
  http_protocol: (r, s, { check }) => {
    const http = (check.http ??= { urls: [] });
    const t = r.arg(s, 0, '1.0 or 1.1');
    if (t?.text === '1.0' || t?.text === '1.1') http.httpVersion = t.text;
    else if (t?.text === '1.0C' || t?.text === '1.0K') {
      http.httpVersion = '1.0';
      r.notCarried(t, `http_protocol ${t.text}`, 'requests use HTTP/1.0 with the default Connection header');
    } else if (t) r.bad(t, `http_protocol: "${t.text}" is not 1.0 or 1.1`);
  },
  enable_sni: (r, s, { check, type }) => {
    const http = (check.http ??= { urls: [] });
    if (type !== 'HTTPS') r.notCarried(s, 'enable_sni', 'it applies to SSL_GET only');
    else if (r.flag(s)) http.tls = { ...http.tls };
  },
};

const SMTP_TABLE: ContextTable<CheckContext> = {
  helo_name: (r, s, { check }) => {
    const t = r.arg(s, 0, 'a name');
    if (t) check.smtp = { ...check.smtp, heloName: t.text };
  },
  host: (r, s, { hosts }) => {
    if (r.expectBlock(s, true)) hosts.push(s);
  },
};

const DNS_TYPES = ['A', 'AAAA', 'NS', 'CNAME', 'SOA', 'MX', 'TXT', 'PTR'] as const;

const DNS_TABLE: ContextTable<CheckContext> = {
  type: (r, s, { check }) => {
    const t = r.arg(s, 0, 'a query type');
    const qt = DNS_TYPES.find((x) => x === t?.text.toUpperCase());
    if (qt) check.dns = { ...check.dns, queryType: qt };
    else if (t) r.bad(t, `type: "${t.text}" is not one of ${DNS_TYPES.join(', ')}`);
  },
  name: (r, s, { check }) => {
    const t = r.arg(s, 0, 'a name');
    if (t) check.dns = { ...check.dns, name: t.text };
  },
};

const MISC_TABLE: ContextTable<CheckContext> = {
  misc_path: (r, s, { check }) => {
    const argv = r.command(s);
    if (argv) check.misc = { ...check.misc, command: argv };
  },
  misc_timeout: (r, s, { check }) => {
    const ms = r.seconds(s, 10, 3_600_000);
    if (ms !== undefined) check.timeout = duration(ms);
  },
  misc_dynamic: (r, s, { check }) => {
    const on = r.flag(s);
    if (on !== undefined) check.misc = { command: [], ...check.misc, dynamic: on };
  },
  user: (r, s, { check }) => {
    const t = r.arg(s, 0, 'a user name');
    if (t) check.misc = { command: [], ...check.misc, user: t.text };
    if (s.args[1]) r.notCarried(s.args[1], 'the group of a MISC_CHECK user', 'scripts run with the user primary group');
  },
};

const HEX = /^([0-9a-fA-F]{2})*$/;

const UDP_TABLE: ContextTable<CheckContext> = {
  payload: (r, s, { check }) => {
    const t = r.arg(s, 0, 'hex bytes');
    if (t && HEX.test(t.text)) check.udp = { ...check.udp, payload: t.text.toLowerCase() };
    else if (t) r.bad(t, `payload: "${t.text}" is not hex bytes`);
  },
  require_reply: (r, s, { check }) => {
    const t = s.args[0];
    check.udp = { ...check.udp, requireReply: true };
    if (t && HEX.test(t.text)) check.udp.replyPayload = t.text.toLowerCase();
    else if (t) r.bad(t, `require_reply: "${t.text}" is not hex bytes`);
  },
  min_reply_length: (r, s, { check }) => {
    const v = r.int(s, 0, 65507);
    if (v !== undefined) check.udp = { ...check.udp, minReplyLength: v };
  },
  max_reply_length: (r, s, { check }) => {
    const v = r.int(s, 0, 65507);
    if (v !== undefined) check.udp = { ...check.udp, maxReplyLength: v };
  },
};

const FILE_TABLE: ContextTable<CheckContext> = {
  track_file: (r, s, { check, trackFiles }) => {
    const t = r.arg(s, 0, 'a track_file name');
    if (!t) return;
    const tf = trackFiles.get(t.text);
    if (!tf) {
      r.sink.error(t, 'KA_UNDEFINED_REFERENCE', `track_file ${t.text}: no track_file block of that name`);
      return;
    }
    check.file = { ...check.file, path: tf.path };
    if (tf.weight !== undefined) check.file.weight = tf.weight;
    if (tf.reverse) check.file.reverse = true;
  },
  weight: (r, s, { check }) => {
    const v = r.int(s, -254, 254);
    if (v === undefined) return;
    // A FILE_CHECK weight replaces the track_file's, reverse included.
    const { reverse: _r, ...rest } = check.file ?? { path: '' };
    check.file = { ...rest, weight: v, ...(s.args[1]?.text === 'reverse' ? { reverse: true } : {}) };
  },
};

/** Keywords every checker takes (check_api.c, install_checker_common_keywords). */
const COMMON_TABLE: ContextTable<CheckContext> = {
  connect_ip: (r, s, { check }) => {
    const ip = r.ip(r.arg(s, 0, 'an address'), s.keyword);
    if (ip) check.connectIP = ip.text;
  },
  connect_port: (r, s, { check }) => assign(check, 'connectPort', r.port(r.arg(s, 0, 'a port'), s.keyword)),
  bindto: (r, s, { check }) => {
    const ip = r.ip(r.arg(s, 0, 'an address'), s.keyword);
    if (ip) check.bindTo = ip.text;
  },
  bind_if: (r, s, { check }) => {
    const t = r.arg(s, 0, 'an interface name');
    if (t) check.bindInterface = t.text;
  },
};

/** virtualhost only means something to HTTP checks; elsewhere it is a keyword of nothing. */
const cascadeHttp = cascadeOf<CheckContext>((c) => c.d);
const { virtualhost: _virtualhost, ...cascadeOther } = cascadeHttp;

/** One table per checker type, built once. */
const CHECKER_TABLES: Readonly<Record<HealthCheckType, ContextTable<CheckContext>>> = {
  HTTP: { ...cascadeHttp, ...COMMON_TABLE, ...HTTP_TABLE },
  HTTPS: { ...cascadeHttp, ...COMMON_TABLE, ...HTTP_TABLE },
  TCP: { ...cascadeOther, ...COMMON_TABLE },
  SMTP: { ...cascadeOther, ...COMMON_TABLE, ...SMTP_TABLE },
  DNS: { ...cascadeOther, ...COMMON_TABLE, ...DNS_TABLE },
  MISC: { ...cascadeOther, ...COMMON_TABLE, ...MISC_TABLE },
  UDP: { ...cascadeOther, ...COMMON_TABLE, ...UDP_TABLE },
  PING: { ...cascadeOther, ...COMMON_TABLE },
  FILE: { ...cascadeOther, ...COMMON_TABLE, ...FILE_TABLE },
};

/**
 * One checker block → the health checks it stands for (SMTP_CHECK with several host blocks
 * gives one check per host). BFD_CHECK has no equivalent and yields none, with a warning.
 */
export function convertChecker(
  r: StatementReader,
  st: Statement,
  inherited: CheckDefaults,
  trackFiles: ReadonlyMap<string, TrackFile>,
): HealthCheckInput[] {
  const type = CHECKERS[st.keyword];
  if (type === undefined) {
    r.uncarried(st, 'real_server');
    return [];
  }
  if (st.block === undefined && st.args.length > 0) r.expectBlock(st, true);
  const c: CheckContext = { type, check: { type }, d: { ...inherited }, trackFiles, hosts: [] };
  const { check, d } = c;
  if (type === 'HTTP' || type === 'HTTPS') check.http = { urls: [] };
  r.dispatchWith(st.block, CHECKER_TABLES[type], c, st.keyword);
  resolveTimers(check, d, type);

  if (check.http) {
    if (check.http.urls.length === 0) {
      r.sink.error(st, 'KA_MISSING_VALUE', `${st.keyword} has no url block`);
      return [];
    }
    if (d.virtualhost !== undefined) check.http.virtualhost = d.virtualhost;
    if (check.http.tls && d.virtualhost !== undefined) check.http.tls.serverName = d.virtualhost;
  }
  if (type === 'MISC' && (check.misc === undefined || check.misc.command.length === 0)) {
    r.sink.error(st, 'KA_MISSING_VALUE', 'MISC_CHECK has no misc_path');
    return [];
  }
  if (type === 'FILE' && (check.file === undefined || check.file.path === '')) {
    r.sink.error(st, 'KA_MISSING_VALUE', 'FILE_CHECK has no track_file');
    return [];
  }
  if (type === 'SMTP' && c.hosts.length > 0) {
    return c.hosts.map((h) => {
      const one: CheckContext = { ...c, check: { ...check } };
      r.dispatchWith(h.block, COMMON_TABLE, one, 'host');
      return inKeyOrder(one.check, CHECK_KEY_ORDER);
    });
  }
  return [inKeyOrder(check, CHECK_KEY_ORDER)];
}

/** The field order of a written check, so that output is stable and readable. */
const CHECK_KEY_ORDER: readonly (keyof HealthCheckInput)[] = [
  'type',
  'interval',
  'timeout',
  'retry',
  'delayBeforeRetry',
  'warmup',
  'connectIP',
  'connectPort',
  'bindTo',
  'bindInterface',
  'http',
  'smtp',
  'dns',
  'udp',
  'misc',
  'file',
];

/** Writes the resolved interval, timeout, retry and delay_before_retry on a check. */
function resolveTimers(check: HealthCheckInput, d: CheckDefaults, type: HealthCheckType): void {
  check.interval = duration(d.intervalMs);
  // misc_timeout, when given, wins over connect_timeout for MISC_CHECK.
  check.timeout ??= duration(d.timeoutMs ?? KEEPALIVED_CONNECT_TIMEOUT_MS);
  check.retry = d.retry ?? HEALTH_CHECK_TYPE_DEFAULTS[type].retry;
  check.delayBeforeRetry = duration(d.delayBeforeRetryMs ?? HEALTH_CHECK_TYPE_DEFAULTS[type].delayBeforeRetryMs);
  if (d.warmupMs !== undefined) check.warmup = duration(d.warmupMs);
}
