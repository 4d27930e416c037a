/**
 * The health-check model past the configuration boundary: every field resolved, durations in
 * milliseconds, keepalived's defaults applied. Nothing in src/health re-validates these objects.
 */
import type { Family, HealthCheckType } from '../api/index.js';

/** Where a probe goes and where it comes from (connect_ip, connect_port, bindto, bind_if). */
export interface ProbeTarget {
  readonly ip: string;
  readonly family: Family;
  /** 0 for checkers that use no port (PING, MISC, FILE). */
  readonly port: number;
  readonly bindTo?: string;
  readonly bindInterface?: string;
}

/** The timing knobs every keepalived checker has (check_api.h `checker_t`). */
export interface ProbeTiming {
  /** delay_loop. */
  readonly intervalMs: number;
  /** connect_timeout (misc_timeout for MISC). */
  readonly timeoutMs: number;
  /** Failed attempts after the first before the server is declared down (retry). */
  readonly retry: number;
  readonly delayBeforeRetryMs: number;
  /** The first check runs at a random point in [0, warmupMs) (warmup). */
  readonly warmupMs: number;
}

/** An inclusive range of accepted HTTP status codes. */
export interface StatusRange {
  readonly from: number;
  readonly to: number;
}

/** One `url` block of HTTP_GET / SSL_GET. */
export interface HttpUrl {
  readonly path: string;
  readonly statusCodes: readonly StatusRange[];
  /** Lower-case hex MD5 of the body, as genhash prints it. */
  readonly digest?: string;
  readonly regex?: string;
  readonly regexNoMatch: boolean;
  /** Host header value; the target ip:port when no virtualhost is set. */
  readonly host: string;
}

/** Where the CA bundle of an SSL_GET with verification comes from. */
export type CaSource =
  { readonly kind: 'file'; readonly path: string } | { readonly kind: 'pem'; readonly pem: string };

/** HTTP_GET / SSL_GET settings: the url blocks and http_protocol. */
export interface HttpSettings {
  readonly urls: readonly HttpUrl[];
  readonly httpVersion: '1.0' | '1.1';
}

/** SSL_GET settings: SNI (enable_sni) and certificate verification. */
export interface TlsSettings {
  /** SNI; absent when neither serverName nor a host-name virtualhost is set. */
  readonly serverName?: string;
  readonly verify: boolean;
  readonly ca?: CaSource;
}

/** The checker-specific part of a probe, one variant per keepalived checker. */
export type ProbeSettings =
  | { readonly type: 'HTTP'; readonly http: HttpSettings }
  | { readonly type: 'HTTPS'; readonly http: HttpSettings; readonly tls: TlsSettings }
  | { readonly type: 'TCP' }
  | { readonly type: 'SMTP'; readonly heloName: string; readonly greeting: 'HELO' | 'EHLO' }
  | { readonly type: 'DNS'; readonly queryType: DnsQueryType; readonly name: string }
  | {
      readonly type: 'UDP';
      /** Hex; empty sends an empty datagram. */
      readonly payloadHex: string;
      readonly requireReply: boolean;
      /** Hex prefix the reply must start with; empty accepts any. */
      readonly replyPrefixHex: string;
      readonly minReplyLength: number;
      readonly maxReplyLength: number;
    }
  | { readonly type: 'PING' }
  | {
      readonly type: 'MISC';
      readonly command: readonly string[];
      readonly dynamic: boolean;
      readonly user?: string;
    }
  | { readonly type: 'FILE'; readonly path: string; readonly weight: number; readonly reverse: boolean }
  | {
      readonly type: 'VIP_PATH';
      /** The VIP the SYN is addressed to; the target's port is the service port. */
      readonly vip: string;
      /** Auto: skipped where it cannot run; Enabled: a probe that cannot run is a failure. */
      readonly mode: VipPathMode;
      /** none: a frame to the server's MAC (DR); ipip: inside IPIP to its address (TUN). */
      readonly encapsulation: 'none' | 'ipip';
    };

/** How a VIP-path probe treats a path it cannot test (no CAP_NET_RAW, routed real server ...). */
export type VipPathMode = 'Auto' | 'Enabled';

/** DNS_CHECK query types (`type`). */
export type DnsQueryType = 'A' | 'AAAA' | 'NS' | 'CNAME' | 'SOA' | 'MX' | 'TXT' | 'PTR';

/** One fully defaulted check of one target: what the scheduler runs and deduplicates. */
export type HealthProbe = ProbeTiming & { readonly target: ProbeTarget } & ProbeSettings;

/** Why an attempt failed: a bounded set, used as a metric label and in status. */
export const FAILURE_REASONS = [
  'refused',
  'timeout',
  'reset',
  'unreachable',
  'status',
  'digest',
  'regex',
  'tls',
  'protocol',
  'no-answer',
  'dns-error',
  'reply',
  'exit',
  'file',
  'vip-path',
  'error',
] as const;
/** One of {@link FAILURE_REASONS}. */
export type FailureReason = (typeof FAILURE_REASONS)[number];

/** The outcome of one attempt. A failed check is a value, never an exception. */
export type CheckResult =
  | {
      readonly ok: true;
      readonly latencyMs: number;
      /** Weight set by the check (misc_dynamic, FILE_CHECK with a weight); absent: unchanged. */
      readonly weight?: WeightEffect;
      readonly detail?: string;
    }
  | {
      readonly ok: false;
      readonly latencyMs: number;
      readonly reason: FailureReason;
      /** Human detail: the status code, the errno, the exit status ... */
      readonly detail: string;
    };

/**
 * How a passing check changes the configured weight: misc_dynamic sets an absolute weight
 * (exit status - 2), FILE_CHECK adds value x weight (check_file.c).
 */
export type WeightEffect =
  { readonly kind: 'set'; readonly weight: number } | { readonly kind: 'add'; readonly delta: number };

/** What a probe says about its target after an attempt; `unknown` until the first verdict. */
export type ProbeHealth = 'unknown' | 'up' | 'down';

/**
 * The checker type names, for metric labels and status: the API's check types plus VIP_PATH,
 * which no user writes as a check (the director adds it to DR real servers, see vip-path-check.ts).
 */
export type CheckType = HealthCheckType | 'VIP_PATH';

/** Why a VIP-path probe did not run: a bounded set, the `reason` label of the skip counter. */
export type VipPathSkip = 'no-capability' | 'routed' | 'local' | 'unresolved' | 'no-route' | 'error';
