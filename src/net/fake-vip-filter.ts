import type { VipFilter } from './vip-filter.js';

/** In-memory {@link VipFilter} recording the blocked set. */
export class FakeVipFilter implements VipFilter {
  readonly blocked = new Set<string>();
  readonly ops: { op: 'block' | 'unblock' | 'reset'; addresses: readonly string[] }[] = [];

  block(addresses: readonly string[]): Promise<void> {
    this.ops.push({ op: 'block', addresses });
    for (const a of addresses) this.blocked.add(a);
    return Promise.resolve();
  }

  unblock(addresses: readonly string[]): Promise<void> {
    this.ops.push({ op: 'unblock', addresses });
    for (const a of addresses) this.blocked.delete(a);
    return Promise.resolve();
  }

  reset(): Promise<void> {
    this.ops.push({ op: 'reset', addresses: [] });
    this.blocked.clear();
    return Promise.resolve();
  }
}
