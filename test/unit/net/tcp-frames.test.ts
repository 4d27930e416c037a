import { describe, expect, it } from 'vitest';
import { parseMac } from '../../../src/net/frames.js';
import {
  buildTcpRst,
  buildTcpSyn,
  parseTcpFrame,
  TCP_ACK,
  TCP_RST,
  TCP_SYN,
  type TcpSegmentSpec,
} from '../../../src/net/tcp-frames.js';

// Judged by tcpdump 4.99 (-vvv): "cksum ... (correct)" for TCP, and no "bad cksum" for IPv4.
const base = {
  srcMac: parseMac('02:00:00:00:00:01'),
  dstMac: parseMac('02:00:00:00:00:02'),
  srcPort: 61234,
  dstPort: 80,
  ipId: 0x1234,
};

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('VIP-path probe frames', () => {
  it.each<{ name: string; build: (s: TcpSegmentSpec) => Uint8Array; spec: TcpSegmentSpec; expected: string }>([
    {
      name: 'IPv4 SYN with MSS 1460, DF',
      build: buildTcpSyn,
      spec: { ...base, srcIp: '192.0.2.1', dstIp: '192.0.2.100', seq: 0x01020304 },
      expected:
        '02000000000202000000000108004500002c123440004006a432c0000201c0000264ef32005001020304000000006002faf025470000020405b4',
    },
    {
      name: 'IPv4 RST',
      build: buildTcpRst,
      spec: { ...base, srcIp: '192.0.2.1', dstIp: '192.0.2.100', seq: 0x01020305 },
      expected:
        '020000000002020000000001080045000028123440004006a436c0000201c0000264ef32005001020305000000005004000037f10000',
    },
    {
      name: 'IPv6 SYN with MSS 1440',
      build: buildTcpSyn,
      spec: { ...base, srcIp: '2001:db8::1', dstIp: '2001:db8::100', seq: 0xfffffffe },
      expected:
        '02000000000202000000000186dd600000000018064020010db800000000000000000000000120010db8000000000000000000000100ef320050fffffffe000000006002faf051550000020405a0',
    },
    {
      name: 'IPv6 RST',
      build: buildTcpRst,
      spec: { ...base, srcIp: '2001:db8::1', dstIp: '2001:db8::100', seq: 0xffffffff },
      expected:
        '02000000000202000000000186dd600000000014064020010db800000000000000000000000120010db8000000000000000000000100ef320050ffffffff000000005004000063eb0000',
    },
  ])('$name', ({ build, spec, expected }) => {
    expect(hex(build(spec))).toBe(expected);
  });

  it('refuses mixed address families', () => {
    expect(() => buildTcpSyn({ ...base, srcIp: '192.0.2.1', dstIp: '2001:db8::1', seq: 1 })).toThrow(RangeError);
  });

  it.each([
    { name: 'IPv4', srcIp: '192.0.2.1', dstIp: '192.0.2.100' },
    { name: 'IPv6', srcIp: '2001:db8::1', dstIp: '2001:db8::100' },
  ])('reads back what it builds ($name)', ({ srcIp, dstIp }) => {
    const segment = parseTcpFrame(buildTcpSyn({ ...base, srcIp, dstIp, seq: 7 }));
    expect(segment).toEqual({ srcIp, dstIp, srcPort: 61234, dstPort: 80, seq: 7, ack: 0, flags: TCP_SYN });
  });

  it('reads a SYN-ACK with IPv4 options (IHL 6) and the acknowledgement number', () => {
    const syn = buildTcpSyn({ ...base, srcIp: '192.0.2.100', dstIp: '192.0.2.1', seq: 9 });
    const withOptions = new Uint8Array(syn.length + 4);
    withOptions.set(syn.subarray(0, 34), 0);
    withOptions[14] = 0x46;
    withOptions.set([1, 1, 1, 0], 34); // NOP NOP NOP EOL
    withOptions.set(syn.subarray(34), 38);
    const v = new DataView(withOptions.buffer);
    v.setUint32(38 + 8, 0x01020305);
    withOptions[38 + 13] = TCP_SYN | TCP_ACK;
    expect(parseTcpFrame(withOptions)).toMatchObject({
      srcIp: '192.0.2.100',
      ack: 0x01020305,
      flags: TCP_SYN | TCP_ACK,
    });
  });

  it.each([
    { name: 'too short', frame: new Uint8Array(40) },
    {
      name: 'not TCP (UDP)',
      frame: (() => {
        const f = buildTcpRst({ ...base, srcIp: '192.0.2.1', dstIp: '192.0.2.100', seq: 1 });
        f[23] = 17;
        return f;
      })(),
    },
    {
      name: 'a non-first fragment',
      frame: (() => {
        const f = buildTcpRst({ ...base, srcIp: '192.0.2.1', dstIp: '192.0.2.100', seq: 1 });
        f[21] = 8;
        return f;
      })(),
    },
    {
      name: 'ARP',
      frame: (() => {
        const f = buildTcpRst({ ...base, srcIp: '192.0.2.1', dstIp: '192.0.2.100', seq: 1 });
        f[12] = 0x08;
        f[13] = 0x06;
        return f;
      })(),
    },
  ])('ignores a frame that is $name', ({ frame }) => {
    expect(parseTcpFrame(frame)).toBeUndefined();
  });

  it('sets RST alone on the reset', () => {
    const rst = parseTcpFrame(buildTcpRst({ ...base, srcIp: '192.0.2.1', dstIp: '192.0.2.100', seq: 1 }));
    expect(rst?.flags).toBe(TCP_RST);
  });
});
