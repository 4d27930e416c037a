import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileVipRecordStore, OwnedVips, MemoryVipRecordStore } from '../../../src/vrrp/vip-record.js';

const vip = { iface: 'eth0', address: '10.0.0.100', prefixLength: 32 };

describe('FileVipRecordStore', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('round-trips within one boot, gives [] without a file and for a record of another boot', async () => {
    dir = await mkdtemp(join(tmpdir(), 'viprec-'));
    const path = join(dir, 'vrrp-vips.json');
    let boot = 'boot-a';
    const store = new FileVipRecordStore(path, () => Promise.resolve(boot));
    expect(await store.load()).toEqual([]);
    await store.save([vip]);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ version: 1, bootId: 'boot-a', vips: [vip] });
    expect(await store.load()).toEqual([vip]);
    boot = 'boot-b';
    expect(await store.load()).toEqual([]);
  });

  it.each([
    { name: 'not JSON', text: '{"version":1,' },
    { name: 'wrong version', text: '{"version":2,"vips":[]}' },
    { name: 'a bad entry', text: '{"version":1,"vips":[{"iface":"","address":"x","prefixLength":1}]}' },
  ])('a corrupt record ($name) is an LVS_VRRP_RECORD_CORRUPT error naming the file', async ({ text }) => {
    dir = await mkdtemp(join(tmpdir(), 'viprec-'));
    const path = join(dir, 'vrrp-vips.json');
    await writeFile(path, text);
    await expect(new FileVipRecordStore(path, () => Promise.resolve('b')).load()).rejects.toMatchObject({
      code: 'LVS_VRRP_RECORD_CORRUPT',
      message: `VIP record ${path} is not readable`,
    });
  });
});

describe('OwnedVips', () => {
  it('claims and forgets in memory at once and saves every change in order', async () => {
    const store = new MemoryVipRecordStore();
    const owned = new OwnedVips(store, () => undefined);
    await owned.load();
    void owned.claim(vip);
    void owned.claim({ ...vip, address: '10.0.0.101' });
    expect(owned.has('eth0', '10.0.0.100')).toBe(true);
    expect(owned.has('eth1', '10.0.0.100')).toBe(false);
    await owned.forget('eth0', '10.0.0.100');
    expect(store.vips).toEqual([{ ...vip, address: '10.0.0.101' }]);
    expect(owned.on('eth0').map((v) => v.address)).toEqual(['10.0.0.101']);
  });

  it('reports a failed save and keeps going', async () => {
    const errors: unknown[] = [];
    const owned = new OwnedVips(
      { load: () => Promise.resolve([]), save: () => Promise.reject(new Error('ENOSPC')) },
      (err) => errors.push(err),
    );
    await owned.claim(vip);
    expect(errors).toHaveLength(1);
    expect(owned.has('eth0', '10.0.0.100')).toBe(true);
  });
});
