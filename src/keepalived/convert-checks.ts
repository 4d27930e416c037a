import { HEALTH_CHECK_TYPE_DEFAULTS, type HealthCheckType } from '../api/index.js';
import type { Statement } from './block-tree.js';
import { duration, type KeywordTable, type StatementReader } from './convert-context.js';
import type { HealthCheckInput } from './model.js';

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

/** keepalived's delay_loop default (check_data.c) and connect_timeout default (check_api.c). */
export const KEEPALIVED_DELAY_LOOP_MS = 60_000;
export const KEEPALIVED_CONNECT_TIMEOUT_MS = 5_000;

/** The cascading keywords, shared by virtual_server, real_server and checkers. */
export function cascadeTable(r: StatementReader, d: CheckDefaults): KeywordTable {
  return {
    delay_loop: (s) => assign(d, 'intervalMs', r.seconds(s, 10)),
    connect_timeout: (s) => assign(d, 'timeoutMs', r.seconds(s, 10, 3_600_000)),
    retry: (s) => assign(d, 'retry', r.int(s, 0, 100)),
    nb_get_retry: (s) => assign(d, 'retry', r.int(s, 0, 100)),
    delay_before_retry: (s) => assign(d, 'delayBeforeRetryMs', r.seconds(s, 0, 3_600_000)),
    warmup: (s) => assign(d, 'warmupMs', r.seconds(s, 0)),
    virtualhost: (s) => {
      const t = r.arg(s, 0, 'a host name');
      if (t) d.virtualhost = t.text;
    },
  };
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

function readUrl(r: StatementReader, st: Statement): NonNullable<HealthCheckInput['http']>['urls'][number] | undefined {
  if (!r.expectBlock(st, true)) return undefined;
  const url: Partial<NonNullable<HealthCheckInput['http']>['urls'][number]> = {};
  r.dispatch(
    st.block,
    {
      path: (s) => {
        const t = r.arg(s, 0, 'a path');
        if (t && !t.text.startsWith('/')) r.bad(t, `path: "${t.text}" must start with "/"`);
        else if (t) url.path = t.text;
      },
      status_code: (s) => {
        const codes: string[] = [...(url.statusCodes ?? [])];
        if (s.args.length === 0) r.arg(s, 0, 'a status code or range');
        for (const t of s.args) {
          if (STATUS_CODE.test(t.text)) codes.push(t.text);
          else r.bad(t, `status_code: "${t.text}" is not a status code or a range such as 200-299`);
        }
        if (codes.length > 0) url.statusCodes = codes;
      },
      digest: (s) => {
        const t = r.arg(s, 0, 'an MD5 digest');
        if (t && /^[0-9a-fA-F]{32}$/.test(t.text)) url.digest = t.text.toLowerCase();
        else if (t) r.bad(t, `digest: "${t.text}" is not 32 hex digits`);
      },
      virtualhost: (s) => {
        const t = r.arg(s, 0, 'a host name');
        if (t) url.virtualhost = t.text;
      },
      regex: (s) => {
        const t = r.arg(s, 0, 'a regular expression');
        if (t) url.regex = t.text;
      },
      regex_no_match: () => {
        url.regexNoMatch = true;
      },
    },
    'url',
  );
  if (url.path === undefined) {
    r.sink.error(st, 'KA_MISSING_VALUE', 'url has no path');
    return undefined;
  }
  return { ...url, path: url.path };
}

/** Checker-specific keywords, filling `check` (which already has its type). */
function specificTable(
  r: StatementReader,
  type: HealthCheckType,
  check: HealthCheckInput & Record<string, unknown>,
  trackFiles: ReadonlyMap<string, TrackFile>,
  extra: { hosts: Statement[] },
): KeywordTable {
  switch (type) {
    case 'HTTP':
    case 'HTTPS': {
      const http = (check.http ??= { urls: [] });
      return {
        url: (s) => {
          const url = readUrl(r, s);
          if (url) http.urls.push(url);
        },
        http_protocol: (s) => {
          const t = r.arg(s, 0, '1.0 or 1.1');
          if (t?.text === '1.0' || t?.text === '1.1') http.httpVersion = t.text;
          else if (t?.text === '1.0C' || t?.text === '1.0K') {
            http.httpVersion = '1.0';
            r.notCarried(t, `http_protocol ${t.text}`, 'requests use HTTP/1.0 with the default Connection header');
          } else if (t) r.bad(t, `http_protocol: "${t.text}" is not 1.0 or 1.1`);
        },
        enable_sni: (s) => {
          if (type !== 'HTTPS') r.notCarried(s, 'enable_sni', 'it applies to SSL_GET only');
          else if (r.flag(s)) http.tls = { ...http.tls };
        },
      };
    }
    case 'SMTP':
      return {
        helo_name: (s) => {
          const t = r.arg(s, 0, 'a name');
          if (t) check.smtp = { ...check.smtp, heloName: t.text };
        },
        host: (s) => {
          if (r.expectBlock(s, true)) extra.hosts.push(s);
        },
      };
    case 'DNS':
      return {
        type: (s) => {
          const t = r.arg(s, 0, 'a query type');
          const types = ['A', 'AAAA', 'NS', 'CNAME', 'SOA', 'MX', 'TXT', 'PTR'] as const;
          const qt = types.find((x) => x === t?.text.toUpperCase());
          if (qt) check.dns = { ...check.dns, queryType: qt };
          else if (t) r.bad(t, `type: "${t.text}" is not one of ${types.join(', ')}`);
        },
        name: (s) => {
          const t = r.arg(s, 0, 'a name');
          if (t) check.dns = { ...check.dns, name: t.text };
        },
      };
    case 'MISC':
      return {
        misc_path: (s) => {
          const argv = r.command(s);
          if (argv) check.misc = { ...check.misc, command: argv };
        },
        misc_timeout: (s) => {
          const ms = r.seconds(s, 10, 3_600_000);
          if (ms !== undefined) check.timeout = duration(ms);
        },
        misc_dynamic: (s) => {
          const on = r.flag(s);
          if (on !== undefined) check.misc = { command: [], ...check.misc, dynamic: on };
        },
        user: (s) => {
          const t = r.arg(s, 0, 'a user name');
          if (t) check.misc = { command: [], ...check.misc, user: t.text };
          if (s.args[1])
            r.notCarried(s.args[1], 'the group of a MISC_CHECK user', 'scripts run with the user primary group');
        },
      };
    case 'UDP':
      return {
        payload: (s) => {
          const t = r.arg(s, 0, 'hex bytes');
          if (t && /^([0-9a-fA-F]{2})*$/.test(t.text)) check.udp = { ...check.udp, payload: t.text.toLowerCase() };
          else if (t) r.bad(t, `payload: "${t.text}" is not hex bytes`);
        },
        require_reply: (s) => {
          const t = s.args[0];
          check.udp = { ...check.udp, requireReply: true };
          if (t && /^([0-9a-fA-F]{2})*$/.test(t.text)) check.udp.replyPayload = t.text.toLowerCase();
          else if (t) r.bad(t, `require_reply: "${t.text}" is not hex bytes`);
        },
        min_reply_length: (s) => {
          const v = r.int(s, 0, 65507);
          if (v !== undefined) check.udp = { ...check.udp, minReplyLength: v };
        },
        max_reply_length: (s) => {
          const v = r.int(s, 0, 65507);
          if (v !== undefined) check.udp = { ...check.udp, maxReplyLength: v };
        },
      };
    case 'FILE':
      return {
        track_file: (s) => {
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
        weight: (s) => {
          const v = r.int(s, -254, 254);
          if (v === undefined) return;
          // A FILE_CHECK weight replaces the track_file's, reverse included.
          const { reverse: _r, ...rest } = check.file ?? { path: '' };
          check.file = { ...rest, weight: v, ...(s.args[1]?.text === 'reverse' ? { reverse: true } : {}) };
        },
      };
    case 'TCP':
    case 'PING':
      return {};
  }
}

/** Keywords every checker takes (check_api.c, install_checker_common_keywords). */
function commonTable(r: StatementReader, check: HealthCheckInput & Record<string, unknown>): KeywordTable {
  return {
    connect_ip: (s) => {
      const ip = r.ip(r.arg(s, 0, 'an address'), s.keyword);
      if (ip) check.connectIP = ip.text;
    },
    connect_port: (s) => assign(check, 'connectPort', r.port(r.arg(s, 0, 'a port'), s.keyword)),
    bindto: (s) => {
      const ip = r.ip(r.arg(s, 0, 'an address'), s.keyword);
      if (ip) check.bindTo = ip.text;
    },
    bind_if: (s) => {
      const t = r.arg(s, 0, 'an interface name');
      if (t) check.bindInterface = t.text;
    },
  };
}

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
  const d: CheckDefaults = { ...inherited };
  const check: HealthCheckInput & Record<string, unknown> = { type };
  const extra = { hosts: [] as Statement[] };
  const cascade = cascadeTable(r, d);
  const table: KeywordTable = {
    ...cascade,
    ...commonTable(r, check),
    ...specificTable(r, type, check, trackFiles, extra),
  };
  if (type !== 'HTTP' && type !== 'HTTPS') {
    // virtualhost only means something to HTTP checks; elsewhere it is a keyword of nothing.
    delete (table as Record<string, unknown>)['virtualhost'];
  }
  r.dispatch(st.block, table, st.keyword);
  resolveTimers(check, d, type);

  if ((type === 'HTTP' || type === 'HTTPS') && check.http) {
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
  if (type === 'SMTP' && extra.hosts.length > 0) {
    return extra.hosts.map((h) => {
      const one: HealthCheckInput & Record<string, unknown> = { ...check };
      r.dispatch(h.block, commonTable(r, one), 'host');
      return ordered(one);
    });
  }
  return [ordered(check)];
}

const CHECK_KEY_ORDER = [
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

/** The check with its fields in one fixed order, so that output is stable and readable. */
function ordered(check: HealthCheckInput): HealthCheckInput {
  const src = check as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of CHECK_KEY_ORDER) if (src[k] !== undefined) out[k] = src[k];
  return out as HealthCheckInput;
}

/** Writes the resolved interval, timeout, retry and delay_before_retry on a check. */
function resolveTimers(check: HealthCheckInput, d: CheckDefaults, type: HealthCheckType): void {
  check.interval = duration(d.intervalMs);
  // misc_timeout, when given, wins over connect_timeout for MISC_CHECK.
  check.timeout ??= duration(d.timeoutMs ?? KEEPALIVED_CONNECT_TIMEOUT_MS);
  check.retry = d.retry ?? HEALTH_CHECK_TYPE_DEFAULTS[type].retry;
  check.delayBeforeRetry = duration(d.delayBeforeRetryMs ?? HEALTH_CHECK_TYPE_DEFAULTS[type].delayBeforeRetryMs);
  if (d.warmupMs !== undefined) check.warmup = duration(d.warmupMs);
}
