/**
 * {@link RedirectRules} over nftables: one `inet` table of our own with a nat prerouting chain,
 * driven through the `nft` binary (JSON output for reading, `nft -f -` transactions for
 * writing). README.md says why nft and not iptables.
 */
import { z } from 'zod';
import { parseIP } from '../api/index.js';
import type { CommandRunner } from './command-runner.js';
import { CommandError } from './errors.js';
import type { RedirectRuleEntry, RedirectRuleList, RedirectRules } from './redirect-rules.js';
import type { L4Protocol, RedirectRule } from './types.js';

/** Our table: `table inet lvs_realserver`. */
export const NFT_TABLE = 'lvs_realserver';
/** Its chain, hooked at prerouting with the dstnat priority (-100), as iptables' nat PREROUTING. */
export const NFT_CHAIN = 'prerouting';

const PROTOCOLS: readonly string[] = ['tcp', 'udp', 'sctp'];
const isProtocol = (p: unknown): p is L4Protocol => typeof p === 'string' && PROTOCOLS.includes(p);

const MatchSchema = z.object({
  match: z.object({
    op: z.literal('=='),
    left: z.union([
      z.object({ payload: z.object({ protocol: z.string(), field: z.string() }) }),
      z.object({ meta: z.object({ key: z.literal('l4proto') }) }),
    ]),
    right: z.union([z.string(), z.number()]),
  }),
});
const RuleSchema = z.object({ rule: z.object({ handle: z.number(), expr: z.array(z.unknown()) }) });
const ListSchema = z.object({ nftables: z.array(z.unknown()) });

/** Reads one of our rules back from nft's JSON expressions; undefined for anything else. */
export function ruleFromExpr(expr: readonly unknown[]): RedirectRule | undefined {
  let family: 4 | 6 | undefined;
  let vip: string | undefined;
  let protocol: L4Protocol | undefined;
  let port: number | undefined;
  let redirect = false;
  for (const e of expr) {
    if (typeof e === 'object' && e !== null && 'redirect' in e && e.redirect === null) {
      redirect = true;
      continue;
    }
    const m = MatchSchema.safeParse(e);
    if (!m.success) return undefined;
    const { left, right } = m.data.match;
    if ('meta' in left) {
      if (!isProtocol(right)) return undefined;
      protocol = right;
    } else if ((left.payload.protocol === 'ip' || left.payload.protocol === 'ip6') && left.payload.field === 'daddr') {
      const ip = typeof right === 'string' ? parseIP(right) : undefined;
      if (!ip || ip.family !== (left.payload.protocol === 'ip' ? 4 : 6)) return undefined;
      family = ip.family;
      vip = ip.text;
    } else if (isProtocol(left.payload.protocol) && left.payload.field === 'dport' && typeof right === 'number') {
      protocol = left.payload.protocol;
      port = right;
    } else {
      return undefined;
    }
  }
  if (!redirect || family === undefined || vip === undefined) return undefined;
  return { family, vip, ...(protocol ? { protocol } : {}), ...(port !== undefined ? { port } : {}) };
}

/** The nft rule text of a rule, e.g. `ip daddr 10.0.0.1 tcp dport 80 redirect`. */
export function ruleText(r: RedirectRule): string {
  const dst = `${r.family === 4 ? 'ip' : 'ip6'} daddr ${r.vip}`;
  const l4 =
    r.protocol === undefined
      ? ''
      : r.port === undefined
        ? ` meta l4proto ${r.protocol}`
        : ` ${r.protocol} dport ${r.port}`;
  return `${dst}${l4} redirect`;
}

const isMissing = (stderr: string): boolean => /No such file or directory|does not exist/.test(stderr);

/** {@link RedirectRules} through the `nft` binary. */
export class NftRedirectRules implements RedirectRules {
  constructor(
    private readonly commands: CommandRunner,
    private readonly table = NFT_TABLE,
    private readonly nft = 'nft',
  ) {}

  async list(): Promise<RedirectRuleList> {
    const argv = [this.nft, '-j', 'list', 'table', 'inet', this.table];
    const r = await this.commands.run(argv);
    if (r.exitCode !== 0) {
      if (isMissing(r.stderr)) return { tableExists: false, rules: [] };
      throw new CommandError(argv, r.exitCode, r.stderr);
    }
    const parsed = ListSchema.safeParse(JSON.parse(r.stdout));
    if (!parsed.success) throw new CommandError(argv, 0, 'unexpected JSON from nft', { cause: parsed.error });
    const rules: RedirectRuleEntry[] = [];
    for (const item of parsed.data.nftables) {
      const rule = RuleSchema.safeParse(item);
      if (!rule.success) continue;
      const known = ruleFromExpr(rule.data.rule.expr);
      rules.push({ handle: String(rule.data.rule.handle), ...(known ? { rule: known } : {}) });
    }
    return { tableExists: true, rules };
  }

  async add(rule: RedirectRule): Promise<void> {
    // One transaction: `add table` and `add chain` are no-ops when they exist.
    const t = `inet ${this.table}`;
    const script = [
      `add table ${t}`,
      `add chain ${t} ${NFT_CHAIN} { type nat hook prerouting priority dstnat; policy accept; }`,
      `add rule ${t} ${NFT_CHAIN} ${ruleText(rule)}`,
      '',
    ].join('\n');
    const argv = [this.nft, '-f', '-'];
    const r = await this.commands.run(argv, { input: script });
    if (r.exitCode !== 0) throw new CommandError([...argv, ruleText(rule)], r.exitCode, r.stderr);
  }

  async remove(handle: string): Promise<void> {
    // Handles come from list(); anything else is not a rule of ours.
    if (!/^[0-9]+$/.test(handle)) return;
    await this.tolerant([this.nft, 'delete', 'rule', 'inet', this.table, NFT_CHAIN, 'handle', handle]);
  }

  async removeTable(): Promise<void> {
    await this.tolerant([this.nft, 'delete', 'table', 'inet', this.table]);
  }

  private async tolerant(argv: string[]): Promise<void> {
    const r = await this.commands.run(argv);
    if (r.exitCode !== 0 && !isMissing(r.stderr)) throw new CommandError(argv, r.exitCode, r.stderr);
  }
}
