/**
 * Contract suites for the realserver ports (src/net's Sysctls and RedirectRules have theirs in
 * test/unit/net): each runs against the fake (test/unit) and against
 * the real adapter in a kernel (test/kernel/guest, test/netns), so a fake cannot drift from the
 * kernel. Names used here (devices `lvsct*`, 10.99.0.0/24) belong to the suites alone.
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { Addresses } from '../../../src/net/index.js';
import type { Devices } from '../../../src/realserver/devices.js';
import { EMPTY_STATE, type RealserverState } from '../../../src/realserver/state.js';
import type { StateStore } from '../../../src/realserver/state-store.js';

const rejection = async (p: Promise<unknown>): Promise<{ code?: string; errnoName?: string }> => {
  try {
    await p;
  } catch (e) {
    return e as { code?: string; errnoName?: string };
  }
  throw new Error('expected a rejection');
};

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
      expect(await rejection(d.setUp('lvsct-none'))).toMatchObject({ code: 'LVS_NET_COMMAND' });
    });

    it('refuses a name that exists', async () => {
      await d.add({ name: 'lvsct0', kind: 'dummy' });
      expect(await rejection(d.add({ name: 'lvsct0', kind: 'dummy' }))).toMatchObject({
        code: 'LVS_REALSERVER_DEVICE_CONFLICT',
      });
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
