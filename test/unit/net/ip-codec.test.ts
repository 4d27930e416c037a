import { describe, expect, it } from 'vitest';
import {
  canonicalIp,
  compareIp,
  formatHostPort,
  ipFromBytes,
  parseAddressWithPrefix,
  parseIP,
  sameIp,
} from '../../../src/net/ip-codec.js';
import { ownerLabel, primaryAddress, type AddressEntry } from '../../../src/net/addresses.js';
import { FakeAddresses } from '../../../src/net/fake-addresses.js';

describe('ip-codec', () => {
  it.each([
    { input: '10.0.0.1', expected: '10.0.0.1' },
    { input: '2001:DB8:0:0:0:0:0:1', expected: '2001:db8::1' },
    { input: '::', expected: '::' },
    { input: '2001:db8:0:1:0:0:0:1', expected: '2001:db8:0:1::1' },
    // glibc inet_ntop keeps the IPv4 tail of mapped and compatible addresses (ipvsadm shows it).
    { input: '::ffff:10.0.0.1', expected: '::ffff:10.0.0.1' },
    { input: '::ffff:a00:1', expected: '::ffff:10.0.0.1' },
    { input: '::10.0.0.1', expected: '::10.0.0.1' },
    { input: '::1', expected: '::1' },
    { input: '::0.0.1.0', expected: '::100' },
    { input: '1::10.0.0.1', expected: '1::a00:1' },
    { input: '1:2:3:4:5:6:7:8', expected: '1:2:3:4:5:6:7:8' },
    { input: '1:0:0:2:0:0:0:3', expected: '1:0:0:2::3' },
    { input: '1:0:2:3:4:5:6:7', expected: '1:0:2:3:4:5:6:7' },
  ])('$input → $expected', ({ input, expected }) => {
    expect(canonicalIp(input)).toBe(expected);
  });

  it.each([
    '10.0.0',
    '10.0.0.256',
    '01.0.0.1',
    '0x1.0.0.1',
    '10.1',
    ' 10.0.0.1',
    '10.0.0.1 ',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    'g::1',
    '',
    // a zone names a link, not an address
    'fe80::1%eth0',
    '::ffff:01.2.3.4',
    '::ffff:0x1.2.3.4',
    '::ffff:1.2.3',
    '1:2:3:4:5:6:7:1.2.3.4',
    '1.2.3.4::',
    '[::1]',
  ])('rejects %j', (t) => {
    expect(parseIP(t)).toBeUndefined();
  });

  it('parses with a family, and only that family', () => {
    expect(parseIP('10.0.0.1', 4)).toEqual({ family: 4, text: '10.0.0.1', bytes: Uint8Array.from([10, 0, 0, 1]) });
    expect(parseIP('10.0.0.1', 6)).toBeUndefined();
    expect(parseIP('::1', 4)).toBeUndefined();
    expect(parseIP('::1', 6)?.bytes).toEqual(Uint8Array.from([...new Array<number>(15).fill(0), 1]));
  });

  it('ipFromBytes: 4 or 16 bytes, copied', () => {
    const b = Uint8Array.from([192, 0, 2, 1]);
    const ip = ipFromBytes(b);
    b[3] = 9;
    expect(ip).toEqual({ family: 4, text: '192.0.2.1', bytes: Uint8Array.from([192, 0, 2, 1]) });
    expect(ipFromBytes(new Uint8Array(16))?.text).toBe('::');
    expect(ipFromBytes(new Uint8Array(5))).toBeUndefined();
  });

  it.each([
    { input: '10.0.0.1/24', expected: { text: '10.0.0.1', prefixLength: 24 } },
    { input: '10.0.0.1', expected: { text: '10.0.0.1', prefixLength: 32 } },
    { input: '2001:DB8::1/64', expected: { text: '2001:db8::1', prefixLength: 64 } },
    { input: '2001:db8::1', expected: { text: '2001:db8::1', prefixLength: 128 } },
    { input: '10.0.0.1/33', expected: undefined },
    { input: '2001:db8::1/129', expected: undefined },
    { input: '10.0.0.1/', expected: undefined },
    { input: '10.0.0.1/-1', expected: undefined },
    { input: '10.0.0/8', expected: undefined },
  ])('parseAddressWithPrefix $input', ({ input, expected }) => {
    const p = parseAddressWithPrefix(input);
    expect(p && { text: p.ip.text, prefixLength: p.prefixLength }).toEqual(expected);
  });

  it('formatHostPort brackets IPv6', () => {
    expect(formatHostPort('10.0.0.1', 80)).toBe('10.0.0.1:80');
    expect(formatHostPort('2001:db8::1', 443)).toBe('[2001:db8::1]:443');
  });

  it('compares as unsigned integers', () => {
    expect(compareIp('10.0.0.2', '10.0.0.10')).toBeLessThan(0);
    expect(compareIp('192.168.0.1', '10.0.0.1')).toBeGreaterThan(0);
    expect(compareIp('fe80::2', 'fe80::2')).toBe(0);
    expect(compareIp('fe80::2', 'fe80::10')).toBeLessThan(0);
    expect(compareIp('10.0.0.1', '::1')).toBe(0);
  });

  it('sameIp: equal bytes of one family; never for text that does not parse or another family', () => {
    expect(sameIp('2001:db8::1', '2001:DB8:0::1')).toBe(true);
    expect(sameIp('10.0.0.1', '10.0.0.2')).toBe(false);
    expect(sameIp('10.0.0.1', 'not-an-address')).toBe(false);
    expect(sameIp('garbage', 'garbage')).toBe(false);
    expect(sameIp('10.0.0.1', '::a00:1')).toBe(false);
  });
});

describe('addresses', () => {
  it('ownerLabel fits IFNAMSIZ or gives up', () => {
    expect(ownerLabel('eth0', 'vrrp51')).toBe('eth0:vrrp51');
    expect(ownerLabel('enp0s31f6', 'vrrp251')).toBeUndefined();
  });

  it('primaryAddress: first primary IPv4, link-local IPv6', () => {
    const e = (address: string, extra: Partial<AddressEntry> = {}): AddressEntry => ({
      ifindex: 2,
      family: address.includes(':') ? 6 : 4,
      address,
      prefixLength: 24,
      secondary: false,
      scope: address.startsWith('fe80') ? 253 : 0,
      ...extra,
    });
    const entries = [e('10.0.0.9', { secondary: true }), e('10.0.0.2'), e('2001:db8::2'), e('fe80::2')];
    expect(primaryAddress(entries, 4)?.address).toBe('10.0.0.2');
    expect(primaryAddress(entries, 6)?.address).toBe('fe80::2');
  });

  it('FakeAddresses is idempotent and records operations', async () => {
    const f = new FakeAddresses();
    await f.add({ ifindex: 2, address: '10.0.0.1', prefixLength: 24 });
    await f.add({ ifindex: 2, address: '10.0.0.100', prefixLength: 32, label: 'eth0:vrrp1' });
    await f.add({ ifindex: 2, address: '10.0.0.100', prefixLength: 32, label: 'eth0:vrrp1' });
    expect(f.addressesOf(2)).toEqual(['10.0.0.1', '10.0.0.100']);
    expect((await f.list())[1]).toMatchObject({ label: 'eth0:vrrp1', secondary: false });
    await f.remove({ ifindex: 2, address: '10.0.0.100', prefixLength: 32 });
    await f.remove({ ifindex: 2, address: '10.0.0.100', prefixLength: 32 });
    expect(f.addressesOf(2)).toEqual(['10.0.0.1']);
    f.failOn = { op: 'add', errnoName: 'EPERM' };
    await expect(f.add({ ifindex: 2, address: '10.0.0.7', prefixLength: 32 })).rejects.toMatchObject({
      code: 'LVS_NET_NETLINK',
    });
  });
});
