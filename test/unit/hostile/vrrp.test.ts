/**
 * Hostile input for the VRRP codec (src/vrrp/codec.ts): each case is a crafted datagram or
 * message and the exact decode outcome, a DropReason value (never an exception). Then floods
 * of adverts a master must answer at once (machine.ts): answered within a budget. Cases already
 * in test/unit/vrrp/codec.test.ts (v3 over IPv4: short, version 4, type 2, checksum, count
 * 0 / 2, trailing bytes, v2 over IPv6) are not repeated.
 */
import { describe, expect, it } from 'vitest';
import { decodeAdvert, decodeIpv4, encodeAdvert, encodeIpv4 } from '../../../src/vrrp/codec.js';
import { initialState, step, type MachineConfig, type MachineState } from '../../../src/vrrp/machine.js';
import type { ReceivedMeta } from '../../../src/vrrp/types.js';

const V4: ReceivedMeta = { family: 4, source: '10.77.0.9', destination: '224.0.0.18', ttl: 255 };
const V6: ReceivedMeta = { family: 6, source: 'fe80::9', destination: 'ff02::12', ttl: 255 };
const ph4 = { family: 4 as const, source: V4.source, destination: '224.0.0.18' };
const ph6 = { family: 6 as const, source: V6.source, destination: 'ff02::12' };

const v2 = encodeAdvert(
  {
    version: 2,
    vrid: 51,
    priority: 150,
    advertIntervalMs: 1000,
    addresses: ['10.77.0.100'],
    auth: { type: 'pass', password: 'secret1' },
  },
  ph4,
);
const v6 = encodeAdvert({ version: 3, vrid: 63, priority: 100, advertIntervalMs: 1000, addresses: ['fd00::100'] }, ph6);
const ip = encodeIpv4({ source: V4.source, destination: '224.0.0.18', id: 1, payload: v2 });

/** A copy of `b` changed by `f`. */
const mutate = (b: Uint8Array, f: (c: Uint8Array) => void): Uint8Array => {
  const c = Uint8Array.from(b);
  f(c);
  return c;
};

/** `b` with its v2 checksum (message only, RFC 3768 §5.3.8) recomputed after a mutation. */
function resum(b: Uint8Array): Uint8Array {
  const c = Uint8Array.from(b);
  c[6] = 0;
  c[7] = 0;
  let s = 0;
  for (let i = 0; i + 1 < c.length; i += 2) s += ((c[i] ?? 0) << 8) | (c[i + 1] ?? 0);
  if (c.length % 2) s += (c[c.length - 1] ?? 0) << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  const sum = ~s & 0xffff;
  c[6] = sum >> 8;
  c[7] = sum & 0xff;
  return c;
}

describe('hostile VRRP messages: decodeAdvert', () => {
  it.each([
    { name: 'v2: empty message', packet: new Uint8Array(0), meta: V4, reason: 'short_packet' },
    { name: 'v2: 7 bytes, one short of the header', packet: v2.subarray(0, 7), meta: V4, reason: 'short_packet' },
    { name: 'v2: version 0', packet: mutate(v2, (c) => (c[0] = 0x01)), meta: V4, reason: 'bad_version' },
    { name: 'v2: version 15', packet: mutate(v2, (c) => (c[0] = 0xf1)), meta: V4, reason: 'bad_version' },
    { name: 'v2: type 0', packet: mutate(v2, (c) => (c[0] = 0x20)), meta: V4, reason: 'bad_type' },
    { name: 'v2: type 15', packet: mutate(v2, (c) => (c[0] = 0x2f)), meta: V4, reason: 'bad_type' },
    { name: 'v2: auth data cut to 4 bytes', packet: resum(v2.subarray(0, 16)), meta: V4, reason: 'bad_length' },
    {
      name: 'v2: one byte past the auth data',
      packet: resum(Uint8Array.from([...v2, 0])),
      meta: V4,
      reason: 'bad_length',
    },
    {
      name: 'v2: count 255 with one address',
      packet: resum(mutate(v2, (c) => (c[3] = 255))),
      meta: V4,
      reason: 'bad_address_count',
    },
    { name: 'v2: header only, no address or auth', packet: resum(v2.subarray(0, 8)), meta: V4, reason: 'bad_length' },
    {
      name: 'v2: corrupted password byte (covered by the checksum)',
      packet: mutate(v2, (c) => (c[12] = 0x58)),
      meta: V4,
      reason: 'bad_checksum',
    },
    {
      name: 'v2 header with version 3 (v3 length rule: one address too many)',
      packet: resum(mutate(v2, (c) => (c[0] = 0x31))),
      meta: V4,
      reason: 'bad_address_count',
    },
    { name: 'v3/IPv6: 8-byte header only', packet: v6.subarray(0, 8), meta: V6, reason: 'bad_length' },
    { name: 'v3/IPv6: an IPv4-sized address', packet: v6.subarray(0, 12), meta: V6, reason: 'bad_length' },
    {
      name: 'v3/IPv6: count 2 with one address',
      packet: mutate(v6, (c) => (c[3] = 2)),
      meta: V6,
      reason: 'bad_address_count',
    },
    {
      name: 'v3/IPv6: checksum for another source (pseudo-header)',
      packet: v6,
      meta: { ...V6, source: 'fe80::10' },
      reason: 'bad_checksum',
    },
    {
      name: 'v3/IPv6: checksum for a unicast destination',
      packet: v6,
      meta: { ...V6, destination: 'fe80::1' },
      reason: 'bad_checksum',
    },
    { name: 'v3/IPv6: priority flipped', packet: mutate(v6, (c) => (c[2] = 255)), meta: V6, reason: 'bad_checksum' },
    { name: 'v3/IPv6: version 2 over IPv6', packet: mutate(v6, (c) => (c[0] = 0x21)), meta: V6, reason: 'bad_version' },
  ])('$name → $reason', ({ packet, meta, reason }) => {
    expect(decodeAdvert(packet, meta)).toEqual({ ok: false, reason });
  });

  it('v3: reserved interval bits are ignored on receipt (RFC 5798 §5.2.6)', () => {
    const p = encodeAdvert(
      { version: 3, vrid: 52, priority: 100, advertIntervalMs: 1000, addresses: ['10.0.0.1'] },
      ph4,
    );
    // The checksum covers the reserved bits: set them and keep the sum right by moving the
    // difference into the checksum (one's complement arithmetic).
    const c = Uint8Array.from(p);
    c[4] = (c[4] ?? 0) | 0xf0;
    const sum = ((((c[6] ?? 0) << 8) | (c[7] ?? 0)) + 0xffff - 0xf000) % 0xffff;
    c[6] = sum >> 8;
    c[7] = sum & 0xff;
    const d = decodeAdvert(c, V4);
    expect(d.ok && d.value.advertIntervalMs).toBe(1000);
  });

  it('v3/IPv6 without a destination leaves the checksum to the kernel (IPV6_CHECKSUM)', () => {
    const { destination: _d, ...noDest } = V6;
    const d = decodeAdvert(
      mutate(v6, (c) => (c[7] = (c[7] ?? 0) ^ 0xff)),
      noDest,
    );
    expect(d.ok).toBe(true);
  });
});

describe('hostile IPv4 datagrams: decodeIpv4', () => {
  it.each([
    { name: 'empty datagram', datagram: new Uint8Array(0), reason: 'short_packet' },
    { name: '19 bytes, one short of a header', datagram: ip.subarray(0, 19), reason: 'short_packet' },
    { name: 'version 6 in an IPv4 socket', datagram: mutate(ip, (c) => (c[0] = 0x65)), reason: 'bad_ip_header' },
    { name: 'IHL 4 (16 bytes)', datagram: mutate(ip, (c) => (c[0] = 0x44)), reason: 'bad_ip_header' },
    {
      name: 'IHL 15 past a short datagram',
      datagram: mutate(ip.subarray(0, 40), (c) => (c[0] = 0x4f)),
      reason: 'bad_ip_header',
    },
    {
      name: 'total length below the header',
      datagram: mutate(ip, (c) => ((c[2] = 0), (c[3] = 12))),
      reason: 'bad_length',
    },
    {
      name: 'total length past the datagram',
      datagram: mutate(ip, (c) => ((c[2] = 0x05), (c[3] = 0xdc))),
      reason: 'bad_length',
    },
  ])('$name → $reason', ({ datagram, reason }) => {
    expect(decodeIpv4(datagram)).toEqual({ ok: false, reason });
  });

  it('IP options: the message starts after IHL, not after 20 bytes', () => {
    const withOptions = new Uint8Array(ip.length + 4);
    withOptions.set(ip.subarray(0, 20), 0);
    withOptions.set([0x94, 0x04, 0x00, 0x00], 20); // Router Alert (RFC 2113)
    withOptions.set(ip.subarray(20), 24);
    withOptions[0] = 0x46;
    const total = withOptions.length;
    withOptions[2] = total >> 8;
    withOptions[3] = total & 0xff;
    const d = decodeIpv4(withOptions);
    expect(d.ok && Array.from(d.value.payload)).toEqual(Array.from(v2));
  });

  it('Ethernet padding past Total Length is not part of the message', () => {
    const d = decodeIpv4(Uint8Array.from([...ip, 0, 0, 0, 0, 0, 0]));
    expect(d.ok && d.value.payload.length).toBe(v2.length);
  });
});

describe('hostile adverts a master answers at once (machine.ts)', () => {
  const cfg: MachineConfig = {
    version: 3,
    priority: 100,
    advertIntervalMs: 1000,
    preempt: true,
    preemptDelayMs: 0,
    garp: { masterDelayMs: 5000, masterRepeat: 5, masterRefreshMs: 0, masterRefreshRepeat: 1 },
    primaryAddress: '10.0.0.2',
  };
  const master = (): MachineState => {
    let s = initialState(cfg);
    s = step(s, { type: 'startup' }, 0).state;
    return step(s, { type: 'timer', timer: 'master-down' }, 3609.375).state;
  };

  it.each([
    { name: 'priority 0 (a master leaving)', priority: 0 },
    { name: 'a lower priority (keepalived forcing new election)', priority: 50 },
  ])('1,000 spoofed adverts in 100 ms, $name: one answer, then one per tenth of an interval', ({ priority }) => {
    let s = master();
    const sends: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const now = 4000 + i * 0.1;
      const r = step(
        s,
        { type: 'advert', priority, advertIntervalMs: 1000, source: `10.1.${i >> 8}.${i & 0xff}` },
        now,
      );
      s = r.state;
      if (r.actions.some((a) => a.type === 'send-advert')) sends.push(now);
    }
    expect(sends).toEqual([4000, 4100]);
    expect(s.name).toBe('master');
    // The periodic advert is not postponed by the unanswered ones.
    expect(s.timers.advert).toBe(priority === 0 ? 5100 : 4609.375);
  });
});
