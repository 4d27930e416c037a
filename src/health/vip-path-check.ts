/**
 * The VIP-path probe: does a DR or TUN real server accept traffic for the VIP? A normal check
 * goes to the server's own address and passes even when the server never took the VIP on lo
 * (nor the REDIRECT rule), while every client connection IPVS sends it times out. This probe
 * sends what IPVS sends: a TCP SYN addressed to VIP:port in a frame to the server's MAC (DR), or
 * inside IPIP to its address (TUN). A SYN-ACK means the server took the VIP and listens; a RST
 * means it took the VIP and nothing listens; silence means it dropped the packet (no VIP) and
 * gets no traffic.
 *
 * Auto mode fails a server only on evidence (silence or a RST after the SYN went out): a path
 * it cannot test (no CAP_NET_RAW, a routed or local server, an unresolved neighbour) passes,
 * is logged once per server and reason, and is counted. Enabled mode fails it with the reason.
 */
import type { Logger } from 'pino';
import { messageOf } from '../core/index.js';
import {
  formatHostPort,
  NativeUnavailableError,
  SyscallError,
  type L2Path,
  type L2Paths,
  type SynProbeRequest,
  type SynProber,
  type SynProbeVia,
} from '../net/index.js';
import { failed, type Checker, type CheckerDeps } from './checker.js';
import type { HealthMetrics } from './metrics.js';
import type { CheckResult, FailureReason, VipPathSkip } from './types.js';

/**
 * How long a looked-up path (route, interface, neighbour MAC) is reused. The three rtnetlink
 * requests cost about three times the probe itself (0.12 ms against 0.04 ms of CPU per probe,
 * measured in network namespaces), and a real server's segment and MAC rarely change; any
 * attempt without an answer drops the entry, so a retry looks the path up again.
 */
const PATH_CACHE_MS = 10_000;
/** Past this many cached paths, expired ones are swept (real servers that left the config). */
const PATH_CACHE_SWEEP = 4096;

/** What the VIP-path checker needs: route and neighbour lookups, the frame prober, a logger. */
export interface VipPathDeps {
  readonly paths: L2Paths;
  readonly prober: Pick<SynProber, 'probe'>;
  readonly log: Logger;
  readonly metrics?: HealthMetrics;
}

type VipPathProbe = Parameters<Checker<'VIP_PATH'>>[0];

/** Why an untestable path cannot be tested, and the reason an Enabled probe fails with. */
function skipOf(
  path: Exclude<L2Path, { kind: 'direct' }>,
  rs: string,
): { skip: VipPathSkip; reason: FailureReason; detail: string } {
  switch (path.kind) {
    case 'routed':
      return {
        skip: 'routed',
        reason: 'unreachable',
        detail: `VIP path: ${rs} is reached through gateway ${path.gateway} on ${path.iface}, not on a connected segment`,
      };
    case 'local':
      return { skip: 'local', reason: 'unreachable', detail: `VIP path: ${rs} is an address of this node` };
    case 'unresolved':
      return {
        skip: 'unresolved',
        reason: 'unreachable',
        detail: `VIP path: ${rs} did not answer ARP / neighbour discovery on ${path.iface}`,
      };
    case 'no-route':
      return { skip: 'no-route', reason: 'unreachable', detail: `VIP path: no route to ${rs}: ${path.detail}` };
  }
}

/**
 * Where the SYN goes for this probe, or undefined when the path cannot carry it: DR needs a
 * connected server (a frame to its MAC); TUN (IPIP) needs any route with a source address, and
 * its answer is captured on the route's interface, where the server's reply comes back when
 * routing is symmetric.
 */
function routeOf(
  probe: VipPathProbe,
  path: L2Path,
): Omit<SynProbeRequest, 'vip' | 'port' | 'timeoutMs' | 'signal'> | undefined {
  if (path.kind === 'direct') {
    const via: SynProbeVia =
      probe.encapsulation === 'ipip'
        ? { kind: 'ipip', remote: probe.target.ip }
        : { kind: 'link', srcMac: path.srcMac, dstMac: path.dstMac };
    return { ifindex: path.ifindex, srcIp: path.srcIp, via };
  }
  if (path.kind === 'routed' && probe.encapsulation === 'ipip' && path.srcIp !== undefined) {
    return { ifindex: path.ifindex, srcIp: path.srcIp, via: { kind: 'ipip', remote: probe.target.ip } };
  }
  return undefined;
}

/** A socket this process may not open (EPERM / EACCES without CAP_NET_RAW), or no addon. */
function isMissingCapability(err: unknown): boolean {
  if (err instanceof NativeUnavailableError) return true;
  return err instanceof SyscallError && (err.errnoName === 'EPERM' || err.errnoName === 'EACCES');
}

/** Builds the VIP_PATH checker; see the file comment. */
export function createVipPathChecker(deps: CheckerDeps, vip: VipPathDeps): Checker<'VIP_PATH'> {
  const log = vip.log.child({ component: 'vip-path-check' });
  /**
   * What was already logged: each untestable path once per server and reason, then only
   * counted; a missing capability once for the whole process (it is the same for every server).
   */
  const reported = new Set<string>();
  const keyOf = (rs: string, skip: VipPathSkip) => (skip === 'no-capability' ? skip : `${rs}/${skip}`);
  const cache = new Map<string, { readonly path: L2Path; readonly untilMs: number }>();

  const lookup = async (rs: string, timeoutMs: number, signal: AbortSignal): Promise<L2Path> => {
    const now = deps.clock.now();
    const hit = cache.get(rs);
    if (hit && hit.untilMs > now) return hit.path;
    const path = await vip.paths.lookup(rs, timeoutMs, signal);
    if (path.kind === 'direct' || path.kind === 'routed') {
      if (cache.size >= PATH_CACHE_SWEEP) {
        for (const [k, v] of cache) if (v.untilMs <= now) cache.delete(k);
      }
      cache.set(rs, { path, untilMs: now + PATH_CACHE_MS });
    } else cache.delete(rs);
    return path;
  };

  const skipped = (
    probe: VipPathProbe,
    skip: VipPathSkip,
    reason: FailureReason,
    detail: string,
    latencyMs: number,
  ): CheckResult => {
    vip.metrics?.vipPathSkipped(skip);
    const key = keyOf(probe.target.ip, skip);
    if (!reported.has(key)) {
      reported.add(key);
      const fields = {
        rs: probe.target.ip,
        vip: formatHostPort(probe.vip, probe.target.port),
        mode: probe.mode,
        skip,
        detail,
      };
      if (probe.mode === 'Enabled') log.warn(fields, 'vip-path probe cannot run; the real server is down');
      else log.warn(fields, 'vip-path probe cannot run; not checked');
    }
    if (probe.mode === 'Enabled') return failed(reason, detail, latencyMs);
    return { ok: true, latencyMs, detail: `not checked: ${detail}` };
  };

  return async (probe, signal) => {
    const started = deps.clock.now();
    const elapsed = () => deps.clock.now() - started;
    const rs = probe.target.ip;
    const target = formatHostPort(probe.vip, probe.target.port);
    let path: L2Path;
    try {
      path = await lookup(rs, probe.timeoutMs, signal);
    } catch (err) {
      return skipped(probe, 'error', 'error', `VIP path: route lookup for ${rs} failed: ${messageOf(err)}`, elapsed());
    }
    const route = routeOf(probe, path);
    if (!route) {
      const s = skipOf(path as Exclude<L2Path, { kind: 'direct' }>, rs);
      return skipped(probe, s.skip, s.reason, s.detail, elapsed());
    }
    const remainingMs = Math.max(1, probe.timeoutMs - elapsed());
    let outcome;
    try {
      outcome = await vip.prober.probe({
        ...route,
        vip: probe.vip,
        port: probe.target.port,
        timeoutMs: remainingMs,
        signal,
      });
    } catch (err) {
      cache.delete(rs);
      const iface = path.kind === 'direct' || path.kind === 'routed' ? path.iface : rs;
      if (isMissingCapability(err)) {
        const detail = `VIP path: cannot open a raw socket on ${iface} (needs CAP_NET_RAW and the native addon): ${messageOf(err)}`;
        return skipped(probe, 'no-capability', 'error', detail, elapsed());
      }
      return skipped(probe, 'error', 'error', `VIP path: cannot send on ${iface}: ${messageOf(err)}`, elapsed());
    }
    reported.delete(keyOf(rs, 'no-capability'));
    if (outcome.kind === 'silence') cache.delete(rs);
    const through = route.via.kind === 'link' ? route.via.dstMac : `IPIP to ${rs}`;
    switch (outcome.kind) {
      case 'syn-ack':
        return { ok: true, latencyMs: outcome.latencyMs };
      case 'rst':
        return failed(
          'refused',
          `VIP path: RST from ${target} through ${through}: the server accepts the VIP but nothing listens on the port`,
          outcome.latencyMs,
        );
      case 'silence':
        return failed(
          'vip-path',
          signal.aborted
            ? `VIP path: probe of ${target} through ${through} aborted`
            : route.via.kind === 'link'
              ? `VIP path: no answer to a SYN for ${target} delivered to ${through}`
              : `VIP path: no answer to a SYN for ${target} sent inside IPIP to ${rs}`,
          outcome.latencyMs,
        );
    }
  };
}
