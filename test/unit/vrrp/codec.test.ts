import { describe, expect, it } from 'vitest';
import { decodeAdvert, decodeIpv4, encodeAdvert, encodeIpv4, vrrpChecksum } from '../../../src/vrrp/codec.js';
import type { Advert, ReceivedMeta } from '../../../src/vrrp/types.js';
import { etherType, readPcap, readVectors } from './vectors.js';

const vectors = readVectors();

function ipOf(frame: Uint8Array): Uint8Array {
  return frame.subarray(14);
}

function decodeFrame(frame: Uint8Array): { meta: ReceivedMeta; advert: Advert; ip: Uint8Array } {
  const ip = decodeIpv4(ipOf(frame));
  if (!ip.ok) throw new Error(`ip: ${ip.reason}`);
  const meta = { family: 4 as const, source: ip.value.source, destination: ip.value.destination, ttl: ip.value.ttl };
  const adv = decodeAdvert(ip.value.payload, meta);
  if (!adv.ok) throw new Error(`vrrp: ${adv.reason}`);
  return { meta, advert: adv.value, ip: ipOf(frame) };
}

function reencode(meta: ReceivedMeta, a: Advert): Uint8Array {
  const auth =
    a.authType === 1
      ? {
          type: 'pass' as const,
          password: Buffer.from(a.authData ?? [])
            .toString()
            .replace(/\0+$/, ''),
        }
      : { type: 'none' as const };
  return encodeAdvert(
    {
      version: a.version,
      vrid: a.vrid,
      priority: a.priority,
      advertIntervalMs: a.advertIntervalMs,
      addresses: a.addresses,
      auth,
    },
    { family: 4, source: meta.source, destination: meta.destination ?? '' },
  );
}

describe('VRRP codec against keepalived 2.2.7 captures', () => {
  it.each([
    {
      name: 'vrrpv2_advert_prio150',
      expected: {
        version: 2,
        vrid: 51,
        priority: 150,
        advertIntervalMs: 1000,
        addresses: ['10.77.0.100'],
        authType: 1,
      },
    },
    {
      name: 'vrrpv2_advert_prio0',
      expected: { version: 2, vrid: 51, priority: 0, advertIntervalMs: 1000, addresses: ['10.77.0.100'], authType: 1 },
    },
    {
      name: 'vrrpv2_advert_noauth_2vips',
      expected: {
        version: 2,
        vrid: 60,
        priority: 100,
        advertIntervalMs: 1000,
        addresses: ['10.77.0.160', '10.77.0.161'],
        authType: 0,
      },
    },
    {
      name: 'vrrpv3_advert_prio150',
      expected: { version: 3, vrid: 52, priority: 150, advertIntervalMs: 1000, addresses: ['10.77.0.101'] },
    },
    {
      name: 'vrrpv3_advert_prio0',
      expected: { version: 3, vrid: 52, priority: 0, advertIntervalMs: 1000, addresses: ['10.77.0.101'] },
    },
    {
      name: 'vrrpv3_advert_unicast',
      expected: { version: 3, vrid: 61, priority: 100, advertIntervalMs: 1000, addresses: ['10.77.0.170'] },
    },
  ])('$name decodes and re-encodes byte for byte', ({ name, expected }) => {
    const frame = vectors.get(name);
    if (!frame) throw new Error(`missing vector ${name}`);
    const { meta, advert, ip } = decodeFrame(frame);
    expect(advert).toMatchObject(expected);
    expect(meta.ttl).toBe(255);
    const payload = reencode(meta, advert);
    expect(Buffer.from(payload).toString('hex')).toBe(Buffer.from(ip.subarray(20)).toString('hex'));
    const id = ((ip[4] ?? 0) << 8) | (ip[5] ?? 0);
    const whole = encodeIpv4({ source: meta.source, destination: meta.destination ?? '', id, payload });
    expect(Buffer.from(whole).toString('hex')).toBe(Buffer.from(ip).toString('hex'));
  });

  it('v2 PASS carries the password zero padded to 8 bytes', () => {
    const { advert } = decodeFrame(vectors.get('vrrpv2_advert_prio150') ?? new Uint8Array());
    expect(Buffer.from(advert.authData ?? []).toString('hex')).toBe(Buffer.from('secret1\0').toString('hex'));
  });

  it.each(['election_failover.pcap', 'extra_noauth_unicast.pcap', 'node_peer.pcap'])(
    'every advert in %s round-trips',
    (file) => {
      const frames = readPcap(file).filter((f) => etherType(f) === 0x0800);
      expect(frames.length).toBeGreaterThan(5);
      for (const f of frames) {
        const { meta, advert, ip } = decodeFrame(f);
        expect(Buffer.from(reencode(meta, advert)).toString('hex')).toBe(Buffer.from(ip.subarray(20)).toString('hex'));
      }
    },
  );
});

describe('VRRP codec rejects', () => {
  const good = decodeIpv4(ipOf(vectors.get('vrrpv3_advert_prio150') ?? new Uint8Array()));
  if (!good.ok) throw new Error('vector');
  const meta: ReceivedMeta = { family: 4, source: good.value.source, destination: good.value.destination, ttl: 255 };
  const base = good.value.payload;
  const mutate = (f: (b: Uint8Array) => Uint8Array): Uint8Array => f(Uint8Array.from(base));

  it.each([
    { name: 'short packet', packet: base.subarray(0, 6), reason: 'short_packet' },
    { name: 'version 4', packet: mutate((b) => ((b[0] = 0x41), b)), reason: 'bad_version' },
    { name: 'type 2', packet: mutate((b) => ((b[0] = 0x32), b)), reason: 'bad_type' },
    { name: 'corrupted checksum', packet: mutate((b) => ((b[7] = (b[7] ?? 0) ^ 0xff), b)), reason: 'bad_checksum' },
    { name: 'corrupted priority', packet: mutate((b) => ((b[2] = 200), b)), reason: 'bad_checksum' },
    { name: 'count 2 with one address', packet: mutate((b) => ((b[3] = 2), b)), reason: 'bad_address_count' },
    { name: 'count 0', packet: mutate((b) => ((b[3] = 0), b)), reason: 'bad_address_count' },
    { name: 'trailing bytes', packet: Uint8Array.from([...base, 1, 2]), reason: 'bad_length' },
  ])('$name → $reason', ({ packet, reason }) => {
    expect(decodeAdvert(packet, meta)).toEqual({ ok: false, reason });
  });

  it('v2 over IPv6 is a bad version', () => {
    const v2 = decodeIpv4(ipOf(vectors.get('vrrpv2_advert_prio150') ?? new Uint8Array()));
    if (!v2.ok) throw new Error('vector');
    expect(decodeAdvert(v2.value.payload, { family: 6, source: 'fe80::1' })).toEqual({
      ok: false,
      reason: 'bad_version',
    });
  });

  it('a truncated IPv4 header is rejected', () => {
    expect(decodeIpv4(new Uint8Array(10))).toEqual({ ok: false, reason: 'short_packet' });
    const bad = Uint8Array.from(ipOf(vectors.get('vrrpv3_advert_prio150') ?? new Uint8Array()));
    bad[3] = 200;
    expect(decodeIpv4(bad)).toEqual({ ok: false, reason: 'bad_length' });
  });
});

describe('VRRPv3 over IPv6', () => {
  const ph = { family: 6 as const, source: 'fe80::1', destination: 'ff02::12' };
  const fields = {
    version: 3 as const,
    vrid: 7,
    priority: 120,
    advertIntervalMs: 100,
    addresses: ['2001:db8::7', 'fe80::7'],
  };

  it('round-trips, with the pseudo-header checksum', () => {
    const packet = encodeAdvert(fields, ph);
    expect(packet.length).toBe(8 + 32);
    expect(vrrpChecksum(packet, 3, ph)).toBe(0);
    expect(decodeAdvert(packet, { family: 6, source: ph.source, destination: ph.destination })).toEqual({
      ok: true,
      value: { version: 3, vrid: 7, priority: 120, advertIntervalMs: 100, addresses: ['2001:db8::7', 'fe80::7'] },
    });
  });

  it('a checksum computed for another destination fails (unicast pseudo-header)', () => {
    const packet = encodeAdvert(fields, { ...ph, destination: 'fe80::2' });
    expect(decodeAdvert(packet, { family: 6, source: ph.source, destination: ph.destination })).toEqual({
      ok: false,
      reason: 'bad_checksum',
    });
    expect(decodeAdvert(packet, { family: 6, source: ph.source, destination: 'fe80::2' }).ok).toBe(true);
  });

  it('centisecond intervals are encoded in 12 bits', () => {
    const packet = encodeAdvert({ ...fields, advertIntervalMs: 40950 }, ph);
    expect(((packet[4] ?? 0) << 8) | (packet[5] ?? 0)).toBe(4095);
  });
});
