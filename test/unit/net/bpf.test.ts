import { describe, expect, it } from 'vitest';
import { encodeBpf, probeAnswerFilter, runBpf } from '../../../src/net/bpf.js';
import { parseMac } from '../../../src/net/frames.js';
import { buildTcpSyn, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../../../src/net/tcp-frames.js';

const PACKET_HOST = 0;
const PACKET_OUTGOING = 4;

/** A segment from VIP:80 to the director, with the given flags and destination port. */
function answer(family: 4 | 6, flags: number, dstPort = 61500): Uint8Array {
  const f = buildTcpSyn({
    srcMac: parseMac('02:00:00:00:00:02'),
    dstMac: parseMac('02:00:00:00:00:01'),
    srcIp: family === 4 ? '192.0.2.100' : '2001:db8::100',
    dstIp: family === 4 ? '192.0.2.1' : '2001:db8::1',
    srcPort: 80,
    dstPort,
    seq: 1,
    ipId: 1,
  });
  f[(family === 4 ? 34 : 54) + 13] = flags;
  return f;
}

describe('probe answer filter', () => {
  it.each<{ name: string; family: 4 | 6; frame: () => Uint8Array; pktType?: number; kept: boolean }>([
    { name: 'IPv4 SYN-ACK to a probe port', family: 4, frame: () => answer(4, TCP_SYN | TCP_ACK), kept: true },
    { name: 'IPv4 RST-ACK', family: 4, frame: () => answer(4, TCP_RST | TCP_ACK), kept: true },
    { name: 'IPv4 bare RST', family: 4, frame: () => answer(4, TCP_RST), kept: true },
    { name: 'IPv4 plain ACK', family: 4, frame: () => answer(4, TCP_ACK), kept: false },
    { name: 'IPv4 SYN alone', family: 4, frame: () => answer(4, TCP_SYN), kept: false },
    { name: 'IPv4 FIN-ACK', family: 4, frame: () => answer(4, TCP_FIN | TCP_ACK), kept: false },
    {
      name: 'IPv4 SYN-ACK to an ephemeral port',
      family: 4,
      frame: () => answer(4, TCP_SYN | TCP_ACK, 45000),
      kept: false,
    },
    { name: 'IPv4 SYN-ACK to port 60999', family: 4, frame: () => answer(4, TCP_SYN | TCP_ACK, 60999), kept: false },
    { name: 'IPv4 SYN-ACK to port 61000', family: 4, frame: () => answer(4, TCP_SYN | TCP_ACK, 61000), kept: true },
    { name: 'IPv4 SYN-ACK to port 65535', family: 4, frame: () => answer(4, TCP_SYN | TCP_ACK, 65535), kept: true },
    {
      name: 'our own outgoing frame',
      family: 4,
      frame: () => answer(4, TCP_RST),
      pktType: PACKET_OUTGOING,
      kept: false,
    },
    {
      name: 'UDP',
      family: 4,
      frame: () => {
        const f = answer(4, TCP_RST);
        f[23] = 17;
        return f;
      },
      kept: false,
    },
    {
      name: 'a fragment',
      family: 4,
      frame: () => {
        const f = answer(4, TCP_RST);
        f[21] = 1;
        return f;
      },
      kept: false,
    },
    { name: 'IPv6 frame on the IPv4 filter', family: 4, frame: () => answer(6, TCP_RST), kept: false },
    { name: 'IPv6 SYN-ACK', family: 6, frame: () => answer(6, TCP_SYN | TCP_ACK), kept: true },
    { name: 'IPv6 RST', family: 6, frame: () => answer(6, TCP_RST | TCP_ACK), kept: true },
    { name: 'IPv6 ACK', family: 6, frame: () => answer(6, TCP_ACK), kept: false },
    {
      name: 'IPv6 SYN-ACK to an ephemeral port',
      family: 6,
      frame: () => answer(6, TCP_SYN | TCP_ACK, 40000),
      kept: false,
    },
    { name: 'IPv4 frame on the IPv6 filter', family: 6, frame: () => answer(4, TCP_RST), kept: false },
  ])('$name: kept $kept', ({ family, frame, pktType, kept }) => {
    const f = frame();
    const n = runBpf(probeAnswerFilter(family, 61000, 65535), f, pktType ?? PACKET_HOST);
    expect(n).toBe(kept ? f.length : 0);
  });

  it('encodes struct sock_filter in host byte order', () => {
    const program = probeAnswerFilter(4, 61000, 65535);
    const le = encodeBpf(program, true);
    const be = encodeBpf(program, false);
    expect(le.length).toBe(program.length * 8);
    // ld [SKF_AD_OFF + SKF_AD_PKTTYPE]: code 0x20, jt 0, jf 0, k 0xfffff004.
    expect(Buffer.from(le.subarray(0, 8)).toString('hex')).toBe('2000000004f0ffff');
    expect(Buffer.from(be.subarray(0, 8)).toString('hex')).toBe('00200000fffff004');
    // The program ends with "ret #128" (accept, snap length) and "ret #0" (drop).
    expect(program.slice(-2).map((i) => i.k)).toEqual([128, 0]);
  });
});
