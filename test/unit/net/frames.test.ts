import { describe, expect, it } from 'vitest';
import { Announcer } from '../../../src/net/announcer.js';
import { FakePacketSockets } from '../../../src/net/fake-packet-sockets.js';
import { buildGratuitousArp, buildUnsolicitedNa, parseMac } from '../../../src/net/frames.js';
import { readVectors } from '../vrrp/vectors.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function sum16(b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < b.length; i += 2) s += ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

describe('link-layer announcements', () => {
  it('gratuitous ARP matches keepalived 2.2.7 byte for byte', () => {
    const golden = readVectors().get('garp_keepalived');
    expect(golden).toBeDefined();
    expect(hex(buildGratuitousArp(parseMac('02:00:00:00:00:01'), '10.77.0.100'))).toBe(hex(golden ?? new Uint8Array()));
  });

  it('unsolicited NA: all-nodes, hop limit 255, override flag, target option, valid ICMPv6 checksum', () => {
    const f = buildUnsolicitedNa(parseMac('02:00:00:00:00:01'), '2001:db8::64');
    expect(f.length).toBe(86);
    expect(hex(f.subarray(0, 14))).toBe('33330000000102000000000186dd');
    expect(f[20]).toBe(58);
    expect(f[21]).toBe(255);
    expect(f[54]).toBe(136);
    expect(f[58]).toBe(0x20);
    expect(hex(f.subarray(78, 86))).toBe('0201020000000001');
    // Checksum over pseudo-header + ICMPv6 body must fold to 0xffff.
    const ph = new Uint8Array(40);
    ph.set(f.subarray(22, 54), 0);
    new DataView(ph.buffer).setUint32(32, 32);
    ph[39] = 58;
    const s = sum16(Uint8Array.from([...ph, ...f.subarray(54)]));
    expect(s).toBe(0xffff);
  });

  it('rejects malformed input', () => {
    expect(() => parseMac('02:00:00')).toThrow(RangeError);
    expect(() => buildGratuitousArp(parseMac('02:00:00:00:00:01'), '2001:db8::1')).toThrow(RangeError);
  });

  it('Announcer sends repeat x addresses frames on one socket per link', () => {
    const sockets = new FakePacketSockets();
    const a = new Announcer(sockets);
    const n = a.announce({ index: 4, mac: '02:00:00:00:00:04' }, ['10.0.0.1', '2001:db8::1'], 3);
    expect(n).toBe(6);
    expect(sockets.sent.map((s) => [s.ifindex, ((s.frame[12] ?? 0) << 8) | (s.frame[13] ?? 0)])).toEqual([
      [4, 0x0806],
      [4, 0x86dd],
      [4, 0x0806],
      [4, 0x86dd],
      [4, 0x0806],
      [4, 0x86dd],
    ]);
  });

  it('Announcer surfaces send errors as SyscallError', () => {
    const sockets = new FakePacketSockets();
    sockets.failOn = { op: 'send', errnoName: 'ENETDOWN' };
    const a = new Announcer(sockets);
    expect(() => a.announce({ index: 4, mac: '02:00:00:00:00:04' }, ['10.0.0.1'], 1)).toThrow(
      expect.objectContaining({ code: 'LVS_NET_SYSCALL', errnoName: 'ENETDOWN' }),
    );
  });
});
