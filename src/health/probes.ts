/**
 * Probe identity (the dedup key) and the VIP-path probes a DR or TUN real server gets. Pure.
 */
import { HEALTH_CHECK_TYPE_DEFAULTS, type ParsedIP } from '../api/index.js';
import type { HealthProbe, ProbeTiming, VipPathMode } from './types.js';

/** Checkers that do not touch the network at all, so the target is not part of their identity. */
const LOCAL_TYPES: ReadonlySet<string> = new Set(['MISC', 'FILE']);

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
  readonly address: ParsedIP;
  /** The service's VIP:port pairs (a VIP group gives several); port 0 pairs are left out. */
  readonly vips: readonly { readonly ip: ParsedIP; readonly port: number }[];
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
  const ip = server.address;
  const first = server.probes[0];
  if (server.mode === 'Auto' && !first) return [];
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
    const vip = v.ip;
    if (vip.family !== ip.family || v.port === 0) return [];
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
