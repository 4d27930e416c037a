/**
 * Normalisation: an API HealthCheck (already parsed by zod) plus the real server it checks
 * becomes a fully defaulted {@link HealthProbe}, and {@link keyOf} gives the identity under
 * which identical probes are run once. Pure: no I/O.
 */
import { HEALTH_CHECK_TYPE_DEFAULTS, parseDurationMs, parseIP, type HealthCheck } from '../api/index.js';
import { assertNever } from '../core/errors.js';
import type { ProbeIssue } from './errors.js';
import type {
  CaSource,
  HealthProbe,
  HttpSettings,
  HttpUrl,
  ProbeSettings,
  ProbeTarget,
  ProbeTiming,
  StatusRange,
  VipPathMode,
} from './types.js';

/** The real server a check belongs to: its address and its resolved port. */
export interface CheckedServer {
  readonly address: string;
  /** The real server port (the service port when the server has none); 0 for fwmark services. */
  readonly port: number;
}

/** Options of {@link normaliseCheck}. */
export interface NormaliseOptions {
  /** Resolves a Secret key (cluster mode); undefined while the Secret is missing. */
  readonly resolveSecret?: (ref: { readonly name: string; readonly key: string }) => string | undefined;
}

/** A probe, or the issues that keep the check from becoming one. */
export type NormaliseResult =
  { readonly ok: true; readonly probe: HealthProbe } | { readonly ok: false; readonly issues: readonly ProbeIssue[] };

/** Checkers that talk to a port; the others ignore it (check_ping.c, check_misc.c, check_file.c). */
const USES_PORT: ReadonlySet<string> = new Set(['HTTP', 'HTTPS', 'TCP', 'SMTP', 'DNS', 'UDP']);
/** Checkers that do not touch the network at all, so the target is not part of their identity. */
const LOCAL_TYPES: ReadonlySet<string> = new Set(['MISC', 'FILE']);
/** HTTP_GET's default status_code set (check_http.c: any 2xx). */
const DEFAULT_STATUS: readonly StatusRange[] = [{ from: 200, to: 299 }];

/** Normalises one check of one real server. Issues carry zod-style paths relative to the check. */
export function normaliseCheck(
  check: HealthCheck,
  server: CheckedServer,
  opts: NormaliseOptions = {},
): NormaliseResult {
  const issues: ProbeIssue[] = [];
  const issue = (path: (string | number)[], message: string, transient = false) =>
    issues.push({ path, message, transient });

  const ip = parseIP(check.connectIP ?? server.address);
  if (!ip) {
    issue(check.connectIP ? ['connectIP'] : [], 'the real server address is not an IPv4 or IPv6 address');
    return { ok: false, issues };
  }
  const port = check.connectPort ?? server.port;
  if (USES_PORT.has(check.type) && port === 0) {
    issue(['connectPort'], `a ${check.type} check of a server without a port (fwmark service) needs connectPort`);
  }
  // Node's sockets cannot bind to a device (SO_BINDTODEVICE), and the raw ICMP socket cannot
  // bind to an address: refused here rather than silently ignored.
  if (check.bindInterface !== undefined) {
    issue(['bindInterface'], 'bindInterface is not supported; use bindTo with an address of that interface');
  }
  if (check.bindTo !== undefined && check.type === 'PING') {
    issue(['bindTo'], 'bindTo is not supported for PING checks');
  }
  if (check.bindTo !== undefined && parseIP(check.bindTo)?.family !== ip.family) {
    issue(['bindTo'], `bindTo must have the address family of the checked address (IPv${ip.family})`);
  }
  const target: ProbeTarget = {
    ip: ip.text,
    family: ip.family,
    port: USES_PORT.has(check.type) ? port : 0,
    ...(check.bindTo !== undefined ? { bindTo: parseIP(check.bindTo)?.text ?? check.bindTo } : {}),
    ...(check.bindInterface !== undefined ? { bindInterface: check.bindInterface } : {}),
  };

  const defaults = HEALTH_CHECK_TYPE_DEFAULTS[check.type];
  const intervalMs = ms(check.interval);
  const timing = {
    intervalMs,
    timeoutMs: ms(check.timeout),
    retry: check.retry ?? defaults.retry,
    delayBeforeRetryMs: check.delayBeforeRetry !== undefined ? ms(check.delayBeforeRetry) : defaults.delayBeforeRetryMs,
    warmupMs: check.warmup !== undefined ? ms(check.warmup) : intervalMs,
  };

  const settings = settingsOf(check, target, opts, issue);
  if (issues.length > 0 || settings === undefined) return { ok: false, issues };
  return { ok: true, probe: { ...timing, target, ...settings } };
}

function settingsOf(
  check: HealthCheck,
  target: ProbeTarget,
  opts: NormaliseOptions,
  issue: (path: (string | number)[], message: string, transient?: boolean) => void,
): ProbeSettings | undefined {
  switch (check.type) {
    case 'HTTP':
    case 'HTTPS': {
      // The schema's rules guarantee the block for these types; a missing one is a schema bug.
      if (!check.http) return void issue(['http'], `type ${check.type} needs a http block`);
      const http = httpSettings(check.http, target, issue);
      if (check.type === 'HTTP') return { type: 'HTTP', http };
      const tls = check.http.tls;
      const vhost = check.http.virtualhost ?? check.http.urls.find((u) => u.virtualhost)?.virtualhost;
      const serverName = tls?.serverName ?? (vhost !== undefined && !parseIP(vhost) ? vhost : undefined);
      let ca: CaSource | undefined;
      if (tls?.caFile !== undefined) ca = { kind: 'file', path: tls.caFile };
      else if (tls?.caSecretRef !== undefined) {
        const pem = opts.resolveSecret?.(tls.caSecretRef);
        if (pem === undefined) {
          issue(
            ['http', 'tls', 'caSecretRef'],
            `Secret ${tls.caSecretRef.name} key ${tls.caSecretRef.key} not found`,
            true,
          );
        } else ca = { kind: 'pem', pem };
      }
      return {
        type: 'HTTPS',
        http,
        tls: {
          verify: tls?.verify ?? false,
          ...(serverName !== undefined ? { serverName } : {}),
          ...(ca !== undefined ? { ca } : {}),
        },
      };
    }
    case 'TCP':
      return { type: 'TCP' };
    case 'SMTP':
      return {
        type: 'SMTP',
        heloName: check.smtp?.heloName ?? 'smtpchecker.keepalived.org',
        greeting: check.smtp?.greeting ?? 'HELO',
      };
    case 'DNS':
      return { type: 'DNS', queryType: check.dns?.queryType ?? 'SOA', name: check.dns?.name ?? '.' };
    case 'UDP': {
      const u = check.udp;
      return {
        type: 'UDP',
        payloadHex: (u?.payload ?? '').toLowerCase(),
        requireReply: u?.requireReply ?? false,
        replyPrefixHex: (u?.replyPayload ?? '').toLowerCase(),
        minReplyLength: u?.minReplyLength ?? 0,
        maxReplyLength: u?.maxReplyLength ?? 65507,
      };
    }
    case 'PING':
      return { type: 'PING' };
    case 'MISC':
      if (!check.misc) return void issue(['misc'], 'type MISC needs a misc block');
      return {
        type: 'MISC',
        command: check.misc.command,
        dynamic: check.misc.dynamic,
        ...(check.misc.user !== undefined ? { user: check.misc.user } : {}),
      };
    case 'FILE':
      if (!check.file) return void issue(['file'], 'type FILE needs a file block');
      return { type: 'FILE', path: check.file.path, weight: check.file.weight, reverse: check.file.reverse };
    default:
      return assertNever(check.type, 'health check type');
  }
}

function httpSettings(
  http: NonNullable<HealthCheck['http']>,
  target: ProbeTarget,
  issue: (path: (string | number)[], message: string) => void,
): HttpSettings {
  // check_http.c sends "Host: <ip>:<port>" when no virtualhost is configured.
  const hostOfTarget = target.family === 6 ? `[${target.ip}]:${target.port}` : `${target.ip}:${target.port}`;
  const urls = http.urls.map((u, i): HttpUrl => {
    if (u.regex !== undefined && !isValidRegex(u.regex)) {
      issue(['http', 'urls', i, 'regex'], 'must be a valid regular expression');
    }
    const statusCodes = (u.statusCodes ?? []).map((text): StatusRange => {
      const [from, to] = text.split('-').map(Number);
      return { from: from ?? 0, to: to ?? from ?? 0 };
    });
    statusCodes.forEach((r, j) => {
      if (r.from > r.to) issue(['http', 'urls', i, 'statusCodes', j], 'a status code range must not run backwards');
    });
    return {
      path: u.path,
      statusCodes: statusCodes.length > 0 ? statusCodes : DEFAULT_STATUS,
      ...(u.digest !== undefined ? { digest: u.digest.toLowerCase() } : {}),
      ...(u.regex !== undefined ? { regex: u.regex } : {}),
      regexNoMatch: u.regexNoMatch,
      host: u.virtualhost ?? http.virtualhost ?? hostOfTarget,
    };
  });
  return { urls, httpVersion: http.httpVersion };
}

function isValidRegex(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

function ms(text: string): number {
  // The schema has already checked the pattern; 0 would only appear through a schema bug.
  return parseDurationMs(text) ?? 0;
}

/** Timing of a VIP-path probe for a real server without checks: the API's check defaults. */
const VIP_PATH_DEFAULT_TIMING: ProbeTiming = {
  intervalMs: 60_000,
  timeoutMs: 5_000,
  retry: HEALTH_CHECK_TYPE_DEFAULTS.TCP.retry,
  delayBeforeRetryMs: HEALTH_CHECK_TYPE_DEFAULTS.TCP.delayBeforeRetryMs,
  warmupMs: 60_000,
};

/** What {@link vipPathProbes} needs to know about one real server of one service. */
export interface VipPathServer {
  readonly address: string;
  /** The service's VIP:port pairs (a VIP group gives several); port 0 pairs are left out. */
  readonly vips: readonly { readonly ip: string; readonly port: number }[];
  readonly mode: VipPathMode;
  /** none for DR (a frame to the server's MAC), ipip for TUN. */
  readonly encapsulation: 'none' | 'ipip';
  /** The server's other probes: the VIP-path probe takes the first one's timing. */
  readonly probes: readonly HealthProbe[];
}

/**
 * The VIP-path probes of a DR or TUN (IPIP, IPv4) real server, one per VIP:port, with the timing (interval,
 * timeout, retry) of its first check. In Auto mode a server without checks gets none: it was
 * declared always up, and the probe must not be the one thing that judges it.
 */
export function vipPathProbes(server: VipPathServer): HealthProbe[] {
  const ip = parseIP(server.address);
  const first = server.probes[0];
  if (!ip || (server.mode === 'Auto' && !first)) return [];
  const timing: ProbeTiming = first
    ? {
        intervalMs: first.intervalMs,
        timeoutMs: first.timeoutMs,
        retry: first.retry,
        delayBeforeRetryMs: first.delayBeforeRetryMs,
        warmupMs: first.warmupMs,
      }
    : VIP_PATH_DEFAULT_TIMING;
  return server.vips.flatMap((v) => {
    const vip = parseIP(v.ip);
    if (!vip || vip.family !== ip.family || v.port === 0) return [];
    if (server.encapsulation === 'ipip' && ip.family !== 4) return [];
    const probe: HealthProbe = {
      ...timing,
      target: { ip: ip.text, family: ip.family, port: v.port },
      type: 'VIP_PATH',
      vip: vip.text,
      mode: server.mode,
      encapsulation: server.encapsulation,
    };
    return [probe];
  });
}

/** Identity of a probe: identical probes (same target, same normalised check) share one key. */
export type ProbeKey = string & { readonly __probeKey: true };

/**
 * The dedup key of a probe: a canonical serialisation of the normalised probe, without the
 * target for checkers that never use it (MISC, FILE run the same command or read the same
 * file whoever asks). Never parsed back.
 */
export function keyOf(probe: HealthProbe): ProbeKey {
  const identity = LOCAL_TYPES.has(probe.type) ? { ...probe, target: undefined } : probe;
  return canonical(identity) as ProbeKey;
}

function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
}
