/**
 * The RedirectRules contract: runs against the fake (test/unit/net), nft and iptables in a
 * namespace of the host kernel (test/netns/realserver-ports.test.ts) and iptables-legacy in
 * the kernel harness (test/kernel/guest/realserver.guest.ts), so the fake cannot drift. The
 * addresses (10.99.0.0/24) belong to the suite alone.
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { RedirectRules } from '../../../src/net/redirect-rules.js';

/** The RedirectRules contract; `addForeign` puts a rule we do not write into our table. */
export function describeRedirectRulesContract(
  name: string,
  open: () => RedirectRules,
  addForeign: () => Promise<void>,
): void {
  describe(`RedirectRules contract: ${name}`, () => {
    const r = open();
    beforeEach(async () => {
      await r.removeTable();
    });
    afterAll(async () => {
      await r.removeTable();
    });

    it('lists no table before the first rule', async () => {
      expect(await r.list()).toEqual({ tableExists: false, rules: [] });
    });

    it('reads back every rule shape it writes, in order, with distinct handles', async () => {
      const rules = [
        { family: 4 as const, vip: '10.99.0.10' },
        { family: 4 as const, vip: '10.99.0.10', protocol: 'tcp' as const, port: 80 },
        { family: 4 as const, vip: '10.99.0.11', protocol: 'udp' as const },
        { family: 4 as const, vip: '10.99.0.12', protocol: 'sctp' as const, port: 5060 },
        { family: 6 as const, vip: '2001:db8::10', protocol: 'tcp' as const, port: 443 },
      ];
      for (const rule of rules) await r.add(rule);
      const list = await r.list();
      expect(list.tableExists).toBe(true);
      expect(list.rules.map((x) => x.rule)).toEqual(rules);
      expect(new Set(list.rules.map((x) => x.handle)).size).toBe(rules.length);
    });

    it('accepts duplicates, as the kernel does; removes by handle, twice without error', async () => {
      const rule = { family: 4 as const, vip: '10.99.0.10' };
      await r.add(rule);
      await r.add(rule);
      const [first, second] = (await r.list()).rules;
      expect(first?.rule).toEqual(rule);
      expect(second?.rule).toEqual(rule);
      await r.remove(first?.handle ?? '');
      await r.remove(first?.handle ?? '');
      const left = (await r.list()).rules;
      expect(left.map((x) => x.rule)).toEqual([rule]);
      expect(second?.rule).toEqual(rule);
    });

    it('lists a rule it did not write without a rule, so it can be removed', async () => {
      await r.add({ family: 4, vip: '10.99.0.10' });
      await addForeign();
      const list = await r.list();
      expect(list.rules).toHaveLength(2);
      expect(list.rules[1]?.rule).toBeUndefined();
    });

    it('removes the whole table, twice without error', async () => {
      await r.add({ family: 4, vip: '10.99.0.10' });
      await r.removeTable();
      await r.removeTable();
      expect(await r.list()).toEqual({ tableExists: false, rules: [] });
    });
  });
}
