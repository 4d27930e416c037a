/**
 * {@link VipFilter} over nftables (the `nft` program run by the process runner, fed a script
 * on stdin): table
 * `inet lvs_vrrp_accept` with one set per family and an input chain that drops packets to the
 * set's addresses, except VRRP itself and ICMPv6 neighbour discovery. Only this table is ever
 * touched.
 */
import { CommandError } from './errors.js';
import { familyOf } from './ip-codec.js';
import type { ProcessRunner } from './process-runner.js';
import { systemToolRequest, toolSucceeded } from './system-tool.js';
import type { VipFilter } from './vip-filter.js';

const TABLE = 'lvs_vrrp_accept';

/** The nft script that (re)creates the table, empty. */
export function nftTableScript(): string {
  return [
    `table inet ${TABLE} {`,
    '  set vips4 { type ipv4_addr; }',
    '  set vips6 { type ipv6_addr; }',
    '  chain input {',
    '    type filter hook input priority -1; policy accept;',
    '    ip protocol vrrp accept',
    '    ip6 nexthdr vrrp accept',
    '    icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept',
    '    ip daddr @vips4 drop',
    '    ip6 daddr @vips6 drop',
    '  }',
    '}',
  ].join('\n');
}

function elementScript(op: 'add' | 'delete', addresses: readonly string[]): string {
  const lines: string[] = [];
  for (const fam of [4, 6] as const) {
    const xs = addresses.filter((a) => familyOf(a) === fam);
    if (xs.length > 0) lines.push(`${op} element inet ${TABLE} vips${fam} { ${xs.join(', ')} }`);
  }
  return lines.join('\n');
}

/** The real adapter; `nft` must be installed (Debian package nftables). */
export class NftVipFilter implements VipFilter {
  private ready = false;

  constructor(
    private readonly processes: ProcessRunner,
    private readonly nftPath = 'nft',
  ) {}

  async block(addresses: readonly string[]): Promise<void> {
    await this.ensureTable();
    // `add element` of an element already in the set succeeds: block is idempotent.
    await this.run(`${elementScript('add', addresses)}\n`);
  }

  async unblock(addresses: readonly string[]): Promise<void> {
    if (!this.ready) return;
    for (const a of addresses) {
      // One element per command: a missing element must not stop the others (ENOENT is success).
      await this.run(`${elementScript('delete', [a])}\n`).catch(() => undefined);
    }
  }

  async reset(): Promise<void> {
    await this.run(`table inet ${TABLE}\ndelete table inet ${TABLE}\n`);
    this.ready = false;
  }

  private async ensureTable(): Promise<void> {
    if (this.ready) return;
    await this.run(`table inet ${TABLE}\ndelete table inet ${TABLE}\n${nftTableScript()}\n`);
    this.ready = true;
  }

  private async run(script: string): Promise<void> {
    // nft may exit without reading its input (no nf_tables in the kernel); the runner ignores
    // the closed pipe and the exit status tells.
    const argv = [this.nftPath, '-f', '-'];
    const r = await this.processes.run(systemToolRequest(argv, { input: script }));
    if (!toolSucceeded(r)) throw CommandError.of(argv, r);
  }
}
