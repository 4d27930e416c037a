/**
 * Which REDIRECT adapter a node uses: nftables when the kernel takes our table's nat chain,
 * iptables otherwise (README.md, "Why nftables"). Probed once, at first use, without writing.
 */
import type { CommandRunner } from './command-runner.js';
import { IptablesRedirectRules } from './iptables-redirect-rules.js';
import { NFT_CHAIN, NFT_TABLE, NftRedirectRules } from './nft-redirect-rules.js';
import type { RedirectRuleList, RedirectRules } from './redirect-rules.js';
import type { RedirectRule } from './types.js';

/** A REDIRECT backend: nft, or iptables with the binaries to use (`iptables-legacy`, ...). */
export type RedirectBackend =
  { readonly kind: 'nft' } | { readonly kind: 'iptables'; readonly iptables: string; readonly ip6tables: string };

/**
 * nft when `nft -c` accepts our table with its nat prerouting chain (`-c` checks the
 * transaction with the kernel and never commits it), else iptables and ip6tables: the
 * distribution's `iptables` when it can list the nat table, else `iptables-legacy` when that
 * can. On Debian `iptables` is iptables-nft, which fails without nf_tables in the kernel
 * ("Failed to initialize nft: Protocol not supported") exactly where this fallback is needed.
 */
export async function detectRedirectBackend(commands: CommandRunner): Promise<RedirectBackend> {
  const t = `inet ${NFT_TABLE}`;
  const script = `add table ${t}\nadd chain ${t} ${NFT_CHAIN} { type nat hook prerouting priority dstnat; policy accept; }\n`;
  const r = await commands.run(['nft', '-c', '-f', '-'], { input: script });
  if (r.exitCode === 0) return { kind: 'nft' };
  const lists = async (iptables: string) =>
    (await commands.run([iptables, '-w', '-t', 'nat', '-S', 'PREROUTING'])).exitCode === 0;
  if (!(await lists('iptables')) && (await lists('iptables-legacy'))) {
    return { kind: 'iptables', iptables: 'iptables-legacy', ip6tables: 'ip6tables-legacy' };
  }
  return { kind: 'iptables', iptables: 'iptables', ip6tables: 'ip6tables' };
}

/** The adapter for a backend. */
export function redirectRulesFor(backend: RedirectBackend, commands: CommandRunner): RedirectRules {
  return backend.kind === 'nft'
    ? new NftRedirectRules(commands)
    : new IptablesRedirectRules(commands, { 4: backend.iptables, 6: backend.ip6tables });
}

/** {@link RedirectRules} that detects its backend on first use and then delegates to it. */
export class DetectedRedirectRules implements RedirectRules {
  private chosen: Promise<RedirectRules> | undefined;

  constructor(private readonly commands: CommandRunner) {}

  async list(): Promise<RedirectRuleList> {
    return (await this.backend()).list();
  }

  async add(rule: RedirectRule): Promise<void> {
    return (await this.backend()).add(rule);
  }

  async remove(handle: string): Promise<void> {
    return (await this.backend()).remove(handle);
  }

  async removeTable(): Promise<void> {
    return (await this.backend()).removeTable();
  }

  private backend(): Promise<RedirectRules> {
    this.chosen ??= detectRedirectBackend(this.commands).then((b) => redirectRulesFor(b, this.commands));
    return this.chosen;
  }
}
