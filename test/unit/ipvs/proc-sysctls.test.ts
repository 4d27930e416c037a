import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ProcIpvsSysctls } from '../../../src/ipvs/proc-sysctls.js';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dirname(dir), { recursive: true, force: true });
});

/** A stand-in for /proc/sys/net/ipv4/vs: the adapter only reads and writes its files. */
function procDir(values: Record<string, string>): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'lvs-ipvs-sysctl-')), 'vs');
  mkdirSync(dir);
  made.push(dir);
  for (const [name, text] of Object.entries(values)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('ProcIpvsSysctls', () => {
  it('reads procfs text, writes a value with a newline, gives undefined for a missing setting', async () => {
    const dir = procDir({ expire_nodest_conn: '0\n', conn_reuse_mode: '1\n' });
    const port = new ProcIpvsSysctls(dir);
    expect(await port.available()).toBe(true);
    expect(await port.read('expire_nodest_conn')).toBe(0);
    expect(await port.read('expire_quiescent_template')).toBeUndefined();
    await port.write('expire_nodest_conn', 1);
    expect(readFileSync(join(dir, 'expire_nodest_conn'), 'utf8')).toBe('1\n');
  });

  it('a missing directory is reported as unavailable, not as an error', async () => {
    expect(await new ProcIpvsSysctls('/nonexistent/net/ipv4/vs').available()).toBe(false);
  });

  it('errors carry the operation, the setting and the errno', async () => {
    const dir = procDir({ conn_reuse_mode: 'x\n' });
    const port = new ProcIpvsSysctls(dir);
    await expect(port.read('conn_reuse_mode')).rejects.toMatchObject({
      code: 'LVS_IPVS_SYSCTL',
      op: 'read',
      sysctl: 'conn_reuse_mode',
      errnoName: 'EINVAL',
    });
    // A write to a setting procfs does not have (a file that is not there in a directory that
    // is): the adapter's error, not a bare ENOENT.
    await expect(new ProcIpvsSysctls(join(dir, 'missing')).write('conn_reuse_mode', 1)).rejects.toMatchObject({
      code: 'LVS_IPVS_SYSCTL',
      op: 'write',
      sysctl: 'conn_reuse_mode',
      errnoName: 'ENOENT',
    });
  });
});
