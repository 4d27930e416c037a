/**
 * {@link RedirectRules} over iptables, for kernels without nftables NAT (Linux before 5.2, or
 * built without NFT_NAT): a chain of the caller's in the nat table, reached by one jump
 * appended to PREROUTING (seed 000 appends its rule there too), for IPv4 (`iptables`) and
 * IPv6 (`ip6tables`), run by the process runner. The binaries are parameters so
 * `iptables-legacy` can be chosen.
 */
import { parseIP } from './ip-codec.js';
import { CommandError } from './errors.js';
import type { ProcessResult, ProcessRunner } from './process-runner.js';
import type { L4Protocol, RedirectRule, RedirectRuleEntry, RedirectRuleList, RedirectRules } from './redirect-rules.js';
import { systemToolRequest, toolSucceeded } from './system-tool.js';

/** The distribution's binaries. */
export const IPTABLES_BINARIES = { 4: 'iptables', 6: 'ip6tables' } as const;

/** What iptables said on standard error, when it ran and failed. */
const stderrOf = (r: ProcessResult): string => (r.kind === 'exited' ? r.stderr : '');

const PROTOCOLS: readonly string[] = ['tcp', 'udp', 'sctp'];
const isProtocol = (p: string | undefined): p is L4Protocol => p !== undefined && PROTOCOLS.includes(p);

/** The rule arguments after `-A CHAIN`, as iptables -S prints them. */
export function ruleArgs(r: RedirectRule): string[] {
  return [
    '-d',
    `${r.vip}/${r.family === 4 ? 32 : 128}`,
    ...(r.protocol ? ['-p', r.protocol] : []),
    ...(r.protocol && r.port !== undefined ? ['-m', r.protocol, '--dport', String(r.port)] : []),
    '-j',
    'REDIRECT',
  ];
}

/** Reads one of our rules back from `iptables -S` arguments; undefined for anything else. */
export function ruleFromArgs(family: 4 | 6, args: readonly string[]): RedirectRule | undefined {
  const [dFlag, dst, ...rest] = args;
  const slash = dst?.indexOf('/') ?? -1;
  const ip = dst && slash > 0 ? parseIP(dst.slice(0, slash)) : undefined;
  if (dFlag !== '-d' || !ip || ip.family !== family || dst?.slice(slash + 1) !== String(family === 4 ? 32 : 128)) {
    return undefined;
  }
  let protocol: L4Protocol | undefined;
  let port: number | undefined;
  let i = 0;
  if (rest[i] === '-p') {
    const p = rest[i + 1];
    if (!isProtocol(p)) return undefined;
    protocol = p;
    i += 2;
    if (rest[i] === '-m' && rest[i + 1] === p && rest[i + 2] === '--dport' && /^[0-9]+$/.test(rest[i + 3] ?? '')) {
      port = Number(rest[i + 3]);
      i += 4;
    }
  }
  if (rest[i] !== '-j' || rest[i + 1] !== 'REDIRECT' || rest.length !== i + 2) return undefined;
  return { family, vip: ip.text, ...(protocol ? { protocol } : {}), ...(port !== undefined ? { port } : {}) };
}

/** {@link RedirectRules} through iptables and ip6tables. */
export class IptablesRedirectRules implements RedirectRules {
  /** Handles of the last list, to the family and arguments that delete the rule. */
  private listed = new Map<string, { family: 4 | 6; args: string[] }>();

  constructor(
    private readonly processes: ProcessRunner,
    private readonly chain: string,
    private readonly binaries: { readonly 4: string; readonly 6: string } = IPTABLES_BINARIES,
  ) {}

  async list(): Promise<RedirectRuleList> {
    const rules: RedirectRuleEntry[] = [];
    const listed = new Map<string, { family: 4 | 6; args: string[] }>();
    let exists = false;
    for (const family of [4, 6] as const) {
      const lines = await this.natTable(family);
      if (!lines?.includes(`-N ${this.chain}`)) continue;
      exists = true;
      const prefix = `-A ${this.chain} `;
      lines
        .filter((l) => l.startsWith(prefix))
        .forEach((line, i) => {
          // Our rules hold no quoted text; a hand-written one with quotes is listed as foreign.
          const args = line.slice(prefix.length).trim().split(/\s+/);
          const handle = `${family}:${i + 1}`;
          const rule = ruleFromArgs(family, args);
          listed.set(handle, { family, args });
          rules.push({ handle, ...(rule ? { rule } : {}) });
        });
    }
    this.listed = listed;
    return { tableExists: exists, rules };
  }

  /**
   * The whole nat table as `-S` prints it. The whole table, not our chain: iptables-nft calls
   * a chain that does not exist "incompatible" when the table is missing too. Undefined for an
   * IPv6 nat table this kernel or host does not have: nothing of ours can be there.
   */
  private async natTable(family: 4 | 6): Promise<string[] | undefined> {
    const argv = this.argv(family, ['-S']);
    const r = await this.run(argv);
    if (!toolSucceeded(r)) {
      if (family === 6) return undefined;
      throw CommandError.of(argv, r);
    }
    return r.stdout.split('\n').map((l) => l.trim());
  }

  async add(rule: RedirectRule): Promise<void> {
    const f = rule.family;
    const create = await this.run(this.argv(f, ['-N', this.chain]));
    if (!toolSucceeded(create) && !/already exists/.test(stderrOf(create))) {
      throw CommandError.of(this.argv(f, ['-N', this.chain]), create);
    }
    const jump = ['PREROUTING', '-j', this.chain];
    if (!toolSucceeded(await this.run(this.argv(f, ['-C', ...jump])))) {
      await this.must(this.argv(f, ['-A', ...jump]));
    }
    await this.must(this.argv(f, ['-A', this.chain, ...ruleArgs(rule)]));
  }

  async remove(handle: string): Promise<void> {
    const found = this.listed.get(handle);
    // Not from the last list, or removed already.
    if (!found) return;
    const argv = this.argv(found.family, ['-D', this.chain, ...found.args]);
    const r = await this.run(argv);
    if (!toolSucceeded(r) && !/does a matching rule exist|No chain|does not exist/.test(stderrOf(r))) {
      throw CommandError.of(argv, r);
    }
    this.listed.delete(handle);
  }

  async removeTable(): Promise<void> {
    for (const family of [4, 6] as const) {
      if (!(await this.natTable(family))?.includes(`-N ${this.chain}`)) continue;
      // Every jump to our chain (a crash between two adds could have left two).
      for (let i = 0; i < 16; i++) {
        const r = await this.run(this.argv(family, ['-D', 'PREROUTING', '-j', this.chain]));
        if (!toolSucceeded(r)) break;
      }
      await this.must(this.argv(family, ['-F', this.chain]));
      await this.must(this.argv(family, ['-X', this.chain]));
    }
    this.listed.clear();
  }

  private argv(family: 4 | 6, args: string[]): string[] {
    return [this.binaries[family], '-w', '-t', 'nat', ...args];
  }

  private run(argv: readonly string[]): Promise<ProcessResult> {
    return this.processes.run(systemToolRequest(argv));
  }

  private async must(argv: string[]): Promise<void> {
    const r = await this.run(argv);
    if (!toolSucceeded(r)) throw CommandError.of(argv, r);
  }
}
