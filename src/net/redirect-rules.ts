/**
 * The REDIRECT port: NAT REDIRECT rules for VIPs (`nf_nat_redirect`: the packet is delivered
 * to this host on its own port), kept in a table or chain owned by the caller as a whole, so
 * nothing else on the node (kube-proxy, Docker, hand-written rules) is ever touched. Which
 * rules a node wants, and the names of its table, are the caller's (src/realserver).
 * Implementations: NftRedirectRules, IptablesRedirectRules, FakeRedirectRules.
 */

/** Transport protocol, as netfilter names it. */
export type L4Protocol = 'tcp' | 'udp' | 'sctp';

/** A REDIRECT rule for a VIP: every packet to it, or one protocol (and port). */
export interface RedirectRule {
  readonly family: 4 | 6;
  /** Canonical address text. */
  readonly vip: string;
  readonly protocol?: L4Protocol;
  /** With a protocol: the destination port; absent means every port. */
  readonly port?: number;
}

/** The caller's own objects: an nftables `inet` table, and the iptables nat chain used instead. */
export interface RedirectTableNames {
  /** `table inet <nftTable>`, with a nat chain `prerouting`. */
  readonly nftTable: string;
  /** A chain in the nat table of iptables and ip6tables, jumped to from PREROUTING. */
  readonly iptablesChain: string;
}

/**
 * A rule in our table or chain. `handle` is opaque: only the adapter that listed it reads it
 * (an nftables rule handle, an iptables rule position). `rule` is undefined when it is not one
 * we write.
 */
export interface RedirectRuleEntry {
  readonly handle: string;
  readonly rule?: RedirectRule;
}

/** Our table's (or chain's) rules, and whether it exists at all. */
export interface RedirectRuleList {
  readonly tableExists: boolean;
  readonly rules: readonly RedirectRuleEntry[];
}

/**
 * `add` creates the table and its prerouting chain when missing and, like the kernel, accepts
 * duplicates; `remove` takes a handle from the last `list` and succeeds when the rule is
 * already gone; `removeTable` succeeds when the table is already gone. Failures reject with
 * CommandError.
 */
export interface RedirectRules {
  list(): Promise<RedirectRuleList>;
  add(rule: RedirectRule): Promise<void>;
  remove(handle: string): Promise<void>;
  removeTable(): Promise<void>;
}
