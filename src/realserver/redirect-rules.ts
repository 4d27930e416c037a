import type { RedirectRule } from './types.js';

/** A rule in our table, by kernel handle; `rule` is undefined when it is not one we write. */
export interface RedirectRuleEntry {
  readonly handle: number;
  readonly rule?: RedirectRule;
}

/** Our table's rules, and whether the table exists at all. */
export interface RedirectRuleList {
  readonly tableExists: boolean;
  readonly rules: readonly RedirectRuleEntry[];
}

/**
 * The REDIRECT port: NAT REDIRECT rules for VIPs in a table of our own, so nothing else on the
 * node (kube-proxy, Docker, hand-written rules) is ever touched. `add` creates the table and
 * its prerouting chain when missing and, like the kernel, accepts duplicates; `remove` and
 * `removeTable` succeed when the rule or table is already gone.
 * Implementations: NftRedirectRules, FakeRedirectRules.
 */
export interface RedirectRules {
  list(): Promise<RedirectRuleList>;
  add(rule: RedirectRule): Promise<void>;
  remove(handle: number): Promise<void>;
  removeTable(): Promise<void>;
}
