/**
 * Normalisation of health checks: an API HealthCheck (already validated by zod) plus the real
 * server it checks becomes a fully defaulted {@link HealthProbe} (src/health runs it). Pure.
 */
import {
  formatHostPort,
  HEALTH_CHECK_TYPE_DEFAULTS,
  parseDurationMs,
  parseIP,
  type HealthCheck,
  type ParsedIP,
} from '../api/index.js';
import { assertNever } from '../core/index.js';
import type {
  CaSource,
  HealthProbe,
  HttpSettings,
  HttpUrl,
  ProbeIssue,
  ProbeSettings,
  ProbeTarget,
  StatusRange,
} from '../health/index.js';

/** The real server a check belongs to: its address and its resolved port. */
export interface CheckedServer {
  readonly address: ParsedIP;
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

  const ip = check.connectIP !== undefined ? parseIP(check.connectIP) : server.address;
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
  const hostOfTarget = formatHostPort(target.ip, target.port);
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
