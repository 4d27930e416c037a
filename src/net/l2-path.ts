/**
 * The port that tells how this node reaches an address on the link layer: through which
 * interface, from which source address, to which neighbour MAC. A VIP-path probe needs the
 * real server on a directly connected segment; a routed or local address has no such path.
 */

/** How an address is reached. */
export type L2Path =
  | {
      readonly kind: 'direct';
      readonly ifindex: number;
      readonly iface: string;
      /** This node's MAC on the interface. */
      readonly srcMac: string;
      /** The route's preferred source address (this node's address on the segment). */
      readonly srcIp: string;
      /** The neighbour entry's MAC of the address. */
      readonly dstMac: string;
    }
  /** The route goes through a gateway: the address is not on a connected segment. */
  | {
      readonly kind: 'routed';
      readonly gateway: string;
      readonly ifindex: number;
      readonly iface: string;
      /** The route's preferred source address, when it has one. */
      readonly srcIp?: string;
    }
  /** The address is one of this node's own. */
  | { readonly kind: 'local' }
  /** Connected, but the neighbour did not resolve (no ARP / NDP answer) within the time given. */
  | { readonly kind: 'unresolved'; readonly iface: string }
  /** No route at all, or a route type that forwards nothing (blackhole, unreachable ...). */
  | { readonly kind: 'no-route'; readonly detail: string };

/** Route and neighbour lookups; implemented over rtnetlink by {@link NetlinkL2Paths}. */
export interface L2Paths {
  /**
   * The link-layer path to `ip`. An unknown or failed neighbour is resolved by the kernel
   * (the same ARP / NDP it would run itself), waiting at most `timeoutMs`.
   */
  lookup(ip: string, timeoutMs: number, signal: AbortSignal): Promise<L2Path>;
  close(): void;
}
