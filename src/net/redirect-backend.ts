/**
 * Which REDIRECT adapter a node uses: nftables when the kernel takes a nat chain in an `inet`
 * table, iptables otherwise (src/realserver/README.md, "Why nftables"). Probed once, at first
 * use, without writing.
 */
import type { ProcessRunner } from './process-runner.js';
import { IPTABLES_BINARIES, IptablesRedirectRules } from './iptables-redirect-rules.js';
import { nftChainScript, NftRedirectRules } from './nft-redirect-rules.js';
import type { RedirectRule, RedirectRuleList, RedirectRules, RedirectTableNames } from './redirect-rules.js';
import { systemToolRequest, toolSucceeded } from './system-tool.js';

/** A REDIRECT backend: nft, or iptables with the binaries to use (`iptables-legacy`, ...). */
export type RedirectBackend =
  { readonly kind: 'nft' } | { readonly kind: 'iptables'; readonly iptables: string; readonly ip6tables: string };

/**
 * nft when `nft -c` accepts the table with its nat prerouting chain (`-c` checks the
 * transaction with the kernel and never commits it), else iptables and ip6tables: the
 * distribution's `iptables` when it can list the nat table, else `iptables-legacy` when that
 * can. On Debian `iptables` is iptables-nft, which fails without nf_tables in the kernel
 * ("Failed to initialize nft: Protocol not supported") exactly where this fallback is needed.
 */
export async function detectRedirectBackend(
  processes: ProcessRunner,
  names: RedirectTableNames,
): Promise<RedirectBackend> {
  const r = await processes.run(systemToolRequest(['nft', '-c', '-f', '-'], { input: nftChainScript(names.nftTable) }));
  if (toolSucceeded(r)) return { kind: 'nft' };
  const lists = async (iptables: string) =>
    toolSucceeded(await processes.run(systemToolRequest([iptables, '-w', '-t', 'nat', '-S', 'PREROUTING'])));
  if (!(await lists(IPTABLES_BINARIES[4])) && (await lists('iptables-legacy'))) {
    return { kind: 'iptables', iptables: 'iptables-legacy', ip6tables: 'ip6tables-legacy' };
  }
  return { kind: 'iptables', iptables: IPTABLES_BINARIES[4], ip6tables: IPTABLES_BINARIES[6] };
}

/** The adapter for a backend. */
export function redirectRulesFor(
  backend: RedirectBackend,
  processes: ProcessRunner,
  names: RedirectTableNames,
): RedirectRules {
  return backend.kind === 'nft'
    ? new NftRedirectRules(processes, names.nftTable)
    : new IptablesRedirectRules(processes, names.iptablesChain, { 4: backend.iptables, 6: backend.ip6tables });
}

/** {@link RedirectRules} that detects its backend on first use and then delegates to it. */
export class DetectedRedirectRules implements RedirectRules {
  private chosen: Promise<RedirectRules> | undefined;

  constructor(
    private readonly processes: ProcessRunner,
    private readonly names: RedirectTableNames,
  ) {}

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
    this.chosen ??= detectRedirectBackend(this.processes, this.names).then((b) =>
      redirectRulesFor(b, this.processes, this.names),
    );
    return this.chosen;
  }
}
