import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeSysctls } from '../../../src/net/fake-sysctls.js';
import { ProcSysctls, sysctlName, type SysctlPath } from '../../../src/net/index.js';
import { describeSysctlsContract } from './sysctls-contract.js';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A stand-in for /proc/sys: the adapter only reads and writes its files. */
function procRoot(values: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'lvs-sysctl-'));
  made.push(root);
  for (const [path, text] of Object.entries(values)) {
    const file = join(root, ...path.split('.'));
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, text);
  }
  return root;
}

const CONF_NAMES = ['arp_ignore', 'arp_announce', 'rp_filter'];
const confValues = (ifaces: readonly string[]): [SysctlPath, number][] =>
  ifaces.flatMap((iface) => CONF_NAMES.map((n): [SysctlPath, number] => [['net', 'ipv4', 'conf', iface, n], 0]));

describeSysctlsContract('fake', () => new FakeSysctls(confValues(['all', 'default', 'lo'])));
describeSysctlsContract(
  'procfs (stand-in folder)',
  () =>
    new ProcSysctls(
      procRoot(
        Object.fromEntries(
          ['all', 'default', 'lo'].flatMap((i) => CONF_NAMES.map((n) => [`net.ipv4.conf.${i}.${n}`, '0\n'])),
        ),
      ),
    ),
);

describe('sysctlName', () => {
  it.each([
    { path: ['net', 'ipv4', 'vs', 'conn_reuse_mode'], expected: 'net.ipv4.vs.conn_reuse_mode' },
    { path: ['net', 'ipv4', 'conf', 'eth0.100', 'arp_ignore'], expected: 'net.ipv4.conf.eth0/100.arp_ignore' },
  ])('$expected', ({ path, expected }) => {
    expect(sysctlName(path)).toBe(expected);
  });
});

describe('ProcSysctls', () => {
  it('reads procfs text, writes a value with a newline, gives undefined for a missing setting', async () => {
    const root = procRoot({ 'net.ipv4.vs.expire_nodest_conn': '0\n', 'net.ipv4.vs.conn_reuse_mode': '1\n' });
    const port = new ProcSysctls(root);
    expect(await port.exists(['net', 'ipv4', 'vs'])).toBe(true);
    expect(await port.read(['net', 'ipv4', 'vs', 'expire_nodest_conn'])).toBe(0);
    expect(await port.read(['net', 'ipv4', 'vs', 'expire_quiescent_template'])).toBeUndefined();
    await port.write(['net', 'ipv4', 'vs', 'expire_nodest_conn'], 1);
    expect(readFileSync(join(root, 'net', 'ipv4', 'vs', 'expire_nodest_conn'), 'utf8')).toBe('1\n');
  });

  it('a missing folder does not exist, and is not an error', async () => {
    expect(await new ProcSysctls('/nonexistent').exists(['net', 'ipv4', 'vs'])).toBe(false);
  });

  it('errors carry the operation, the setting, the value and the errno', async () => {
    const root = procRoot({ 'net.ipv4.vs.conn_reuse_mode': 'x\n' });
    const port = new ProcSysctls(root);
    await expect(port.read(['net', 'ipv4', 'vs', 'conn_reuse_mode'])).rejects.toMatchObject({
      code: 'LVS_NET_SYSCTL',
      op: 'read',
      sysctl: 'net.ipv4.vs.conn_reuse_mode',
      errnoName: 'EINVAL',
      detail: 'not an integer: "x"',
    });
    // A setting procfs does not have, in a folder that exists: never created.
    await expect(port.write(['net', 'ipv4', 'vs', 'no_such_setting'], 1)).rejects.toMatchObject({
      code: 'LVS_NET_SYSCTL',
      op: 'write',
      sysctl: 'net.ipv4.vs.no_such_setting',
      value: 1,
      errnoName: 'ENOENT',
    });
    await expect(port.read(['net', 'ipv4', 'vs', 'no_such_setting'])).resolves.toBeUndefined();
  });

  it.each([
    { name: 'a segment with "/"', path: ['net', 'ipv4', 'conf', '../../../etc', 'passwd'] },
    { name: 'a ".." segment', path: ['net', 'ipv4', 'conf', '..', 'arp_ignore'] },
    { name: 'an empty segment', path: ['net', 'ipv4', 'conf', '', 'arp_ignore'] },
  ])('refuses $name (EINVAL) before touching a file', async ({ path }) => {
    const port = new ProcSysctls(procRoot({}));
    await expect(port.write(path, 1)).rejects.toMatchObject({
      code: 'LVS_NET_SYSCTL',
      op: 'write',
      errnoName: 'EINVAL',
    });
    await expect(port.read(path)).rejects.toMatchObject({ code: 'LVS_NET_SYSCTL', op: 'read', errnoName: 'EINVAL' });
  });
});

describe('FakeSysctls', () => {
  it('gives a new interface the settings of default, and takes them away with it', async () => {
    const fake = new FakeSysctls(confValues(['all', 'default']));
    fake.set(['net', 'ipv4', 'conf', 'default', 'rp_filter'], 1);
    fake.addInterface('eth0.100');
    expect(await fake.read(['net', 'ipv4', 'conf', 'eth0.100', 'rp_filter'])).toBe(1);
    expect(await fake.exists(['net', 'ipv4', 'conf', 'eth0.100'])).toBe(true);
    fake.removeInterface('eth0.100');
    expect(await fake.read(['net', 'ipv4', 'conf', 'eth0.100', 'rp_filter'])).toBeUndefined();
  });

  it('injects a failure for one setting and records every write', async () => {
    const fake = new FakeSysctls(confValues(['all']));
    const path: SysctlPath = ['net', 'ipv4', 'conf', 'all', 'arp_ignore'];
    fake.failOn = { op: 'write', errnoName: 'EPERM', path };
    await expect(fake.write(path, 1)).rejects.toMatchObject({ code: 'LVS_NET_SYSCTL', errnoName: 'EPERM', value: 1 });
    await fake.write(['net', 'ipv4', 'conf', 'all', 'arp_announce'], 2);
    expect(fake.writes.map((w) => [sysctlName(w.path), w.value])).toEqual([
      ['net.ipv4.conf.all.arp_ignore', 1],
      ['net.ipv4.conf.all.arp_announce', 2],
    ]);
  });
});
