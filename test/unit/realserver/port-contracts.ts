/**
 * Contract suites for the realserver ports: each runs against the fake (test/unit) and against
 * the real adapter in a kernel (test/kernel/guest, test/netns), so a fake cannot drift from the
 * kernel. Names used here (devices `lvsct*`, 10.99.0.0/24) belong to the suites alone.
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { Addresses } from '../../../src/net/index.js';
import type { Devices } from '../../../src/realserver/devices.js';
import type { RedirectRules } from '../../../src/realserver/redirect-rules.js';
import { EMPTY_STATE, type RealserverState } from '../../../src/realserver/state.js';
import type { StateStore } from '../../../src/realserver/state-store.js';
import type { Sysctls } from '../../../src/realserver/sysctls.js';

const rejection = async (p: Promise<unknown>): Promise<{ code?: string; errnoName?: string }> => {
  try {
    await p;
  } catch (e) {
    return e as { code?: string; errnoName?: string };
  }
  throw new Error('expected a rejection');
};

/** The Sysctls contract, on `all` and `lo`. */
export function describeSysctlsContract(name: string, open: () => Sysctls): void {
  describe(`Sysctls contract: ${name}`, () => {
    const s = open();
    const saved: [Parameters<Sysctls['write']>[0], number][] = [];
    afterAll(async () => {
      for (const [key, value] of saved.reverse()) await s.write(key, value);
    });
    const keep = async (key: Parameters<Sysctls['write']>[0]): Promise<number> => {
      const v = await s.read(key);
      if (v === undefined) throw new Error(`${key.iface}.${key.name} missing`);
      saved.push([key, v]);
      return v;
    };

    it('reads and writes integers on all and on an interface', async () => {
      for (const key of [
        { iface: 'all', name: 'arp_ignore' as const },
        { iface: 'lo', name: 'arp_announce' as const },
        { iface: 'all', name: 'rp_filter' as const },
      ]) {
        await keep(key);
        await s.write(key, 2);
        expect(await s.read(key)).toBe(2);
        await s.write(key, 1);
        expect(await s.read(key)).toBe(1);
      }
    });

    it('reads a missing interface as undefined and refuses to write it (ENOENT)', async () => {
      const key = { iface: 'lvsct-none', name: 'arp_ignore' as const };
      expect(await s.read(key)).toBeUndefined();
      expect(await rejection(s.write(key, 1))).toMatchObject({ code: 'LVS_REALSERVER_SYSCTL', errnoName: 'ENOENT' });
    });
  });
}

/** The Devices contract: needs a kernel with dummy and ipip. */
export function describeDevicesContract(name: string, open: () => Devices): void {
  describe(`Devices contract: ${name}`, () => {
    const d = open();
    beforeEach(async () => {
      for (const n of ['lvsct0', 'lvsct1']) await d.remove(n);
    });
    afterAll(async () => {
      for (const n of ['lvsct0', 'lvsct1']) await d.remove(n);
    });

    it('lists lo, unmarked and without a kind', async () => {
      const lo = (await d.list()).find((x) => x.name === 'lo');
      expect(lo).toEqual({ name: 'lo', ifindex: 1, marked: false, up: true });
    });

    it('creates a marked dummy device and removes it; removing again succeeds', async () => {
      await d.add({ name: 'lvsct0', kind: 'dummy' });
      const dev = (await d.list()).find((x) => x.name === 'lvsct0');
      expect(dev).toMatchObject({ kind: 'dummy', marked: true, up: true });
      await d.setUp('lvsct0');
      expect(dev?.ifindex).toBeGreaterThan(1);
      await d.remove('lvsct0');
      expect((await d.list()).some((x) => x.name === 'lvsct0')).toBe(false);
      await d.remove('lvsct0');
    });

    it('creates a marked ipip device with its local address', async () => {
      await d.add({ name: 'lvsct1', kind: 'ipip', local: '10.99.0.1' });
      expect((await d.list()).find((x) => x.name === 'lvsct1')).toMatchObject({
        kind: 'ipip',
        local: '10.99.0.1',
        marked: true,
      });
    });

    it('refuses to set up a device that does not exist', async () => {
      expect(await rejection(d.setUp('lvsct-none'))).toMatchObject({ code: 'LVS_REALSERVER_COMMAND' });
    });

    it('refuses a name that exists', async () => {
      await d.add({ name: 'lvsct0', kind: 'dummy' });
      expect(await rejection(d.add({ name: 'lvsct0', kind: 'dummy' }))).toMatchObject({
        code: 'LVS_REALSERVER_DEVICE_CONFLICT',
      });
    });
  });
}

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

/** The StateStore contract; `corrupt` replaces what is stored with something unparsable. */
export function describeStateStoreContract(name: string, open: () => StateStore, corrupt: () => Promise<void>): void {
  describe(`StateStore contract: ${name}`, () => {
    const state: RealserverState = {
      version: 1,
      addresses: [{ device: 'lo', address: '10.99.0.10', prefixLength: 32 }],
      devices: [{ name: 'lvsip-0a630001', kind: 'ipip', local: '10.99.0.1' }],
      sysctls: [{ iface: 'all', name: 'arp_ignore', original: 0, written: 1 }],
    };

    it('loads nothing before the first save, then what was saved last', async () => {
      const s = open();
      expect(await s.load()).toBeUndefined();
      await s.save(EMPTY_STATE);
      await s.save(state);
      expect(await open().load()).toEqual(state);
    });

    it('rejects a corrupt record with LVS_REALSERVER_STATE_CORRUPT', async () => {
      await corrupt();
      expect(await rejection(open().load())).toMatchObject({ code: 'LVS_REALSERVER_STATE_CORRUPT' });
    });
  });
}

/**
 * What the realserver role relies on of src/net's Addresses port, on `lo` (ifindex 1): an IPv4
 * label is kept and listed back, IPv6 has none, add and remove are idempotent.
 */
export function describeLoopbackAddressesContract(name: string, open: () => Addresses): void {
  describe(`Addresses on lo contract: ${name}`, () => {
    const a = open();
    const v4 = { ifindex: 1, address: '10.99.0.10', prefixLength: 32, label: 'lo:lvs' };
    const v6 = { ifindex: 1, address: '2001:db8:99::10', prefixLength: 128 };
    afterAll(async () => {
      await a.remove(v4);
      await a.remove(v6);
    });

    it('adds a labelled IPv4 VIP and an IPv6 VIP, twice without error, and lists them back', async () => {
      for (let i = 0; i < 2; i++) {
        await a.add(v4);
        await a.add(v6);
      }
      const listed = (await a.list({ ifindex: 1 })).filter((e) => e.address === v4.address || e.address === v6.address);
      expect(listed.map((e) => ({ address: e.address, prefixLength: e.prefixLength, label: e.label }))).toEqual([
        { address: v4.address, prefixLength: 32, label: 'lo:lvs' },
        { address: v6.address, prefixLength: 128, label: undefined },
      ]);
    });

    it('removes them, twice without error', async () => {
      for (let i = 0; i < 2; i++) {
        await a.remove(v4);
        await a.remove(v6);
      }
      const left = (await a.list({ ifindex: 1 })).map((e) => e.address);
      expect(left).not.toContain(v4.address);
      expect(left).not.toContain(v6.address);
    });
  });
}
