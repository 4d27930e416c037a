import type { RedirectRule } from './types.js';

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
 * The REDIRECT port: NAT REDIRECT rules for VIPs in a table (or chain) of our own, so nothing
 * else on the node (kube-proxy, Docker, hand-written rules) is ever touched. `add` creates the
 * table and its prerouting chain when missing and, like the kernel, accepts duplicates;
 * `remove` takes a handle from the last `list` and succeeds when the rule is already gone;
 * `removeTable` succeeds when the table is already gone.
 * Implementations: NftRedirectRules, IptablesRedirectRules, FakeRedirectRules.
 */
export interface RedirectRules {
  list(): Promise<RedirectRuleList>;
  add(rule: RedirectRule): Promise<void>;
  remove(handle: string): Promise<void>;
  removeTable(): Promise<void>;
}
