import { createRtNetlink, FlagsNew, type RtNetlinkSocket, type rt } from 'netlink';
import type { Clock } from '../core/index.js';
import { NetlinkError } from './errors.js';
import { formatIp, parseIP } from './ip-codec.js';
import type { L2Path, L2Paths } from './l2-path.js';

const AF_INET = 2;
const AF_INET6 = 10;
/** How often a resolving neighbour entry is read again while waiting for its answer. */
const RESOLVE_POLL_MS = 10;

function macOf(bytes: Buffer | undefined): string | undefined {
  if (!bytes || bytes.length !== 6) return undefined;
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(':');
}

/** The errno name of a rejected netlink request (the library only puts it in the message). */
function errnoNameOf(e: unknown): string {
  const m = /Request rejected: (\w+)/.exec(e instanceof Error ? e.message : '');
  return m?.[1] ?? 'EIO';
}

/** A neighbour state that carries a usable link-layer address (include/uapi/linux/neighbour.h). */
function isUsable(state: rt.NeighborState | undefined): boolean {
  return (
    state !== undefined &&
    (state.reachable === true ||
      state.stale === true ||
      state.delay === true ||
      state.probe === true ||
      state.permanent === true)
  );
}

/**
 * {@link L2Paths} over rtnetlink: RTM_GETROUTE for the route the kernel would use, RTM_GETLINK
 * for the interface, RTM_GETNEIGH for the neighbour, and RTM_NEWNEIGH with NTF_USE (what
 * `ip neigh replace ADDR dev IF use` sends; net/core/neighbour.c neigh_add) to make the kernel
 * resolve an unknown neighbour.
 */
export class NetlinkL2Paths implements L2Paths {
  private readonly rt: RtNetlinkSocket = createRtNetlink();

  constructor(private readonly clock: Clock) {}

  async lookup(ip: string, timeoutMs: number, signal: AbortSignal): Promise<L2Path> {
    const bytes = parseIP(ip)?.bytes;
    if (!bytes) throw new RangeError(`not an IP address: ${ip}`);
    const dst = Buffer.from(bytes);
    const family = bytes.length === 4 ? AF_INET : AF_INET6;
    let routes: rt.RouteMessage[];
    try {
      routes = await this.rt.getRoute({ family, dstLen: bytes.length * 8 }, { dst });
    } catch (e) {
      const name = errnoNameOf(e);
      if (name === 'ENETUNREACH' || name === 'EHOSTUNREACH') return { kind: 'no-route', detail: name };
      throw new NetlinkError('getRoute', name, ip, { cause: e });
    }
    const route = routes[0];
    if (!route) return { kind: 'no-route', detail: 'no route returned' };
    if (route.data.type === 'LOCAL') return { kind: 'local' };
    if (route.data.type !== 'UNICAST') return { kind: 'no-route', detail: `route type ${String(route.data.type)}` };
    const ifindex = route.attrs.oif;
    if (ifindex === undefined) return { kind: 'no-route', detail: 'route without an output interface' };
    const link = (await this.rt.getLink({ index: ifindex }))[0];
    const iface = link?.attrs.ifname ?? `if${ifindex}`;
    const srcIp = route.attrs.prefsrc ? formatIp(Uint8Array.from(route.attrs.prefsrc)) : undefined;
    if (route.attrs.gateway) {
      const gateway = formatIp(Uint8Array.from(route.attrs.gateway));
      return { kind: 'routed', gateway, ifindex, iface, ...(srcIp !== undefined ? { srcIp } : {}) };
    }
    const srcMac = macOf(link?.attrs.address);
    if (!srcMac || !srcIp) return { kind: 'no-route', detail: `${iface} has no MAC or no source address` };
    const dstMac = await this.resolve(family, ifindex, dst, timeoutMs, signal);
    if (!dstMac) return { kind: 'unresolved', iface };
    return { kind: 'direct', ifindex, iface, srcMac, srcIp, dstMac };
  }

  close(): void {
    this.rt.socket.socket.close();
  }

  private async neighbour(family: number, ifindex: number, dst: Buffer): Promise<rt.NeighborMessage | undefined> {
    try {
      return (await this.rt.getNeighbor({ family, ifindex }, { dst }))[0];
    } catch (e) {
      if (errnoNameOf(e) === 'ENOENT') return undefined;
      throw new NetlinkError('getNeighbor', errnoNameOf(e), formatIp(Uint8Array.from(dst)), { cause: e });
    }
  }

  private async resolve(
    family: number,
    ifindex: number,
    dst: Buffer,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<string | undefined> {
    const first = await this.neighbour(family, ifindex, dst);
    if (first && isUsable(first.data.state)) return macOf(first.attrs.lladdr);
    try {
      await this.rt.newNeighbor(
        { family, ifindex, flags: { use: true } },
        { dst },
        { flags: FlagsNew.CREATE | FlagsNew.REPLACE },
      );
    } catch (e) {
      throw new NetlinkError('resolveNeighbour', errnoNameOf(e), formatIp(Uint8Array.from(dst)), { cause: e });
    }
    const deadline = this.clock.now() + timeoutMs;
    while (!signal.aborted && this.clock.now() < deadline) {
      await new Promise<void>((resolve) => this.clock.setTimer(RESOLVE_POLL_MS, resolve));
      const n = await this.neighbour(family, ifindex, dst);
      if (n && isUsable(n.data.state)) return macOf(n.attrs.lladdr);
      if (n?.data.state?.failed) return undefined;
    }
    return undefined;
  }
}
