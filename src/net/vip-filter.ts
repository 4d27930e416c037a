/**
 * The VIP filter port: makes the node drop traffic addressed to virtual addresses it holds but
 * does not own, which is RFC 5798 §6.1 Accept_Mode = False (keepalived's `no_accept`, done with
 * its vrrp_iptables / nftables rules). The adapter owns one nftables table and nothing else.
 */

/** Blocks and unblocks local delivery to addresses. Idempotent. */
export interface VipFilter {
  /** Drops incoming packets to `addresses`, except VRRP, ARP and neighbour discovery. */
  block(addresses: readonly string[]): Promise<void>;
  unblock(addresses: readonly string[]): Promise<void>;
  /** Removes everything a previous run left (the whole table). */
  reset(): Promise<void>;
}
