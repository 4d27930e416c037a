import { CommandError } from './errors.js';
import type { RedirectRule, RedirectRuleList, RedirectRules } from './redirect-rules.js';

/** One operation the fake performed. */
export type RedirectRuleOp =
  | { readonly op: 'add'; readonly rule: RedirectRule }
  | { readonly op: 'remove'; readonly handle: string }
  | { readonly op: 'removeTable' };

/**
 * In-memory {@link RedirectRules} with nftables semantics: handles increase and are never
 * reused, duplicates are allowed, removing a missing rule or table succeeds, removing the table
 * removes its rules. `foreign` puts a rule we did not write into the table (a hand edit).
 */
export class FakeRedirectRules implements RedirectRules {
  tableExists = false;
  readonly rules: { handle: string; rule?: RedirectRule }[] = [];
  readonly ops: RedirectRuleOp[] = [];
  failOn: { op: 'list' | 'add' | 'remove' | 'removeTable'; message: string } | undefined;
  private nextHandle = 2;

  list(): Promise<RedirectRuleList> {
    if (this.failOn?.op === 'list') return Promise.reject(this.error('list'));
    return Promise.resolve({ tableExists: this.tableExists, rules: this.rules.map((r) => ({ ...r })) });
  }

  add(rule: RedirectRule): Promise<void> {
    this.ops.push({ op: 'add', rule });
    if (this.failOn?.op === 'add') return Promise.reject(this.error('add'));
    this.tableExists = true;
    this.rules.push({ handle: String(this.nextHandle++), rule });
    return Promise.resolve();
  }

  remove(handle: string): Promise<void> {
    this.ops.push({ op: 'remove', handle });
    if (this.failOn?.op === 'remove') return Promise.reject(this.error('remove'));
    const i = this.rules.findIndex((r) => r.handle === handle);
    if (i >= 0) this.rules.splice(i, 1);
    return Promise.resolve();
  }

  removeTable(): Promise<void> {
    this.ops.push({ op: 'removeTable' });
    if (this.failOn?.op === 'removeTable') return Promise.reject(this.error('removeTable'));
    this.tableExists = false;
    this.rules.length = 0;
    return Promise.resolve();
  }

  /** A rule in our table that we did not write. */
  foreign(): void {
    this.tableExists = true;
    this.rules.push({ handle: String(this.nextHandle++) });
  }

  private error(op: string): CommandError {
    return new CommandError(['nft', op], 'exited', 1, this.failOn?.message ?? 'Error');
  }
}
