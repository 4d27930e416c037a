/**
 * {@link RedirectRules} over nftables: one `inet` table of the caller's with a nat prerouting
 * chain, driven through the `nft` binary (JSON output for reading, `nft -f -` transactions
 * for writing) run by the process runner. src/realserver/README.md says why nft first.
 */
import { z } from 'zod';
import { parseIP } from './ip-codec.js';
import { CommandError } from './errors.js';
import type { ProcessResult, ProcessRunner } from './process-runner.js';
import type { L4Protocol, RedirectRule, RedirectRuleEntry, RedirectRuleList, RedirectRules } from './redirect-rules.js';
import { systemToolRequest, toolSucceeded } from './system-tool.js';

/** The table's chain, hooked at prerouting with the dstnat priority (-100), as iptables' nat PREROUTING. */
export const NFT_CHAIN = 'prerouting';

/** The nft script that creates `table inet <table>` and its nat chain; both are no-ops when they exist. */
export function nftChainScript(table: string): string {
  const t = `inet ${table}`;
  return `add table ${t}\nadd chain ${t} ${NFT_CHAIN} { type nat hook prerouting priority dstnat; policy accept; }\n`;
}

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

/** nft's answer when the table (or a rule) is not there. */
const isMissing = (r: ProcessResult): boolean =>
  r.kind === 'exited' && /No such file or directory|does not exist/.test(r.stderr);

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** {@link RedirectRules} through the `nft` binary. */
export class NftRedirectRules implements RedirectRules {
  constructor(
    private readonly processes: ProcessRunner,
    private readonly table: string,
    private readonly nft = 'nft',
  ) {}

  async list(): Promise<RedirectRuleList> {
    const argv = [this.nft, '-j', 'list', 'table', 'inet', this.table];
    const r = await this.processes.run(systemToolRequest(argv));
    if (!toolSucceeded(r)) {
      if (isMissing(r)) return { tableExists: false, rules: [] };
      throw CommandError.of(argv, r);
    }
    const parsed = ListSchema.safeParse(parseJson(r.stdout));
    if (!parsed.success) throw CommandError.of(argv, r, 'unexpected JSON from nft', { cause: parsed.error });
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
    const script = `${nftChainScript(this.table)}add rule inet ${this.table} ${NFT_CHAIN} ${ruleText(rule)}\n`;
    const argv = [this.nft, '-f', '-'];
    const r = await this.processes.run(systemToolRequest(argv, { input: script }));
    if (!toolSucceeded(r)) throw CommandError.of([...argv, ruleText(rule)], r);
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
    const r = await this.processes.run(systemToolRequest(argv));
    if (!toolSucceeded(r) && !isMissing(r)) throw CommandError.of(argv, r);
  }
}
