/**
 * The Sysctls contract on net.ipv4.conf (`all`, `lo`): runs against the fake and a stand-in
 * folder (test/unit/net) and /proc/sys in the kernel harness (test/kernel/guest), so the fake
 * cannot drift from procfs. The interface name `lvsct-none` belongs to the suite alone.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { SysctlPath, Sysctls } from '../../../src/net/sysctls.js';

const rejection = async (p: Promise<unknown>): Promise<Record<string, unknown>> => {
  try {
    await p;
  } catch (e) {
    return e as Record<string, unknown>;
  }
  throw new Error('expected a rejection');
};

const conf = (iface: string, name: string): SysctlPath => ['net', 'ipv4', 'conf', iface, name];

/** The Sysctls contract, on net.ipv4.conf.all and net.ipv4.conf.lo. */
export function describeSysctlsContract(name: string, open: () => Sysctls): void {
  describe(`Sysctls contract: ${name}`, () => {
    const s = open();
    const saved: [SysctlPath, number][] = [];
    afterAll(async () => {
      for (const [path, value] of saved.reverse()) await s.write(path, value);
    });
    const keep = async (path: SysctlPath): Promise<number> => {
      const v = await s.read(path);
      if (v === undefined) throw new Error(`${path.join('/')} missing`);
      saved.push([path, v]);
      return v;
    };

    it('reads and writes integers on all and on an interface', async () => {
      for (const path of [conf('all', 'arp_ignore'), conf('lo', 'arp_announce'), conf('all', 'rp_filter')]) {
        await keep(path);
        await s.write(path, 2);
        expect(await s.read(path)).toBe(2);
        await s.write(path, 1);
        expect(await s.read(path)).toBe(1);
      }
    });

    it('reads a missing interface as undefined and refuses to write it (ENOENT), naming setting and value', async () => {
      const path = conf('lvsct-none', 'arp_ignore');
      expect(await s.read(path)).toBeUndefined();
      expect(await rejection(s.write(path, 1))).toMatchObject({
        code: 'LVS_NET_SYSCTL',
        op: 'write',
        sysctl: 'net.ipv4.conf.lvsct-none.arp_ignore',
        value: 1,
        errnoName: 'ENOENT',
      });
    });

    it('tells which folders and settings exist', async () => {
      expect(await s.exists(['net', 'ipv4', 'conf', 'lo'])).toBe(true);
      expect(await s.exists(conf('all', 'arp_ignore'))).toBe(true);
      expect(await s.exists(['net', 'ipv4', 'conf', 'lvsct-none'])).toBe(false);
    });
  });
}
