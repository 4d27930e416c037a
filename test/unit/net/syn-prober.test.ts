import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/fake-clock.js';
import { FakeCaptureSockets } from '../../../src/net/fake-capture-sockets.js';
import { FakeTunnelSockets } from '../../../src/net/fake-tunnel-sockets.js';
import { parseMac } from '../../../src/net/frames.js';
import { SynProber, type SynProbeRequest } from '../../../src/net/syn-prober.js';
import { buildTcpSyn, parseTcpFrame, TCP_ACK, TCP_RST, TCP_SYN, type TcpSegment } from '../../../src/net/tcp-frames.js';

const DIRECTOR_MAC = '02:00:00:00:00:01';
const RS_MAC = '02:00:00:00:00:02';

function request(overrides: Partial<SynProbeRequest> = {}): SynProbeRequest {
  return {
    ifindex: 3,
    via: { kind: 'link', srcMac: DIRECTOR_MAC, dstMac: RS_MAC },
    srcIp: '192.0.2.1',
    vip: '192.0.2.100',
    port: 80,
    timeoutMs: 1000,
    signal: new AbortController().signal,
    ...overrides,
  };
}

/** The frame a real server sends back to a SYN: from VIP:port, acknowledging its ISN + 1. */
function reply(syn: TcpSegment, flags: number, ackDelta = 1): Uint8Array {
  const f = buildTcpSyn({
    srcMac: parseMac(RS_MAC),
    dstMac: parseMac(DIRECTOR_MAC),
    srcIp: syn.dstIp,
    dstIp: syn.srcIp,
    srcPort: syn.dstPort,
    dstPort: syn.srcPort,
    seq: 5000,
    ipId: 1,
  });
  const v = new DataView(f.buffer);
  const tcpAt = syn.srcIp.includes(':') ? 54 : 34;
  v.setUint32(tcpAt + 8, (syn.seq + ackDelta) >>> 0);
  f[tcpAt + 13] = flags;
  return f;
}

function setup(answer?: (syn: TcpSegment) => Uint8Array | undefined) {
  const clock = new FakeClock(0);
  const sockets = new FakeCaptureSockets();
  let seed = 0.25;
  const random = () => {
    seed = (seed * 7919 + 0.137) % 1;
    return seed;
  };
  const prober = new SynProber({ sockets, clock, random, littleEndian: true });
  sockets.onSend = ({ ifindex, frame }) => {
    const seg = parseTcpFrame(frame);
    if (!seg || seg.flags !== TCP_SYN || !answer) return;
    const out = answer(seg);
    if (out) queueMicrotask(() => sockets.deliver(ifindex, out));
  };
  return { clock, sockets, prober };
}

const sentSegments = (sockets: FakeCaptureSockets) => sockets.sent.map((s) => parseTcpFrame(s.frame));

describe('SynProber', () => {
  it('a SYN-ACK is success, and the half-open connection is reset with seq ISN + 1', async () => {
    const { sockets, prober } = setup((syn) => reply(syn, TCP_SYN | TCP_ACK));
    const outcome = await prober.probe(request());
    expect(outcome.kind).toBe('syn-ack');
    const [syn, rst] = sentSegments(sockets);
    expect(syn).toMatchObject({ srcIp: '192.0.2.1', dstIp: '192.0.2.100', dstPort: 80, flags: TCP_SYN });
    expect(syn?.srcPort).toBeGreaterThanOrEqual(61000);
    expect(rst).toMatchObject({ srcPort: syn?.srcPort, dstPort: 80, flags: TCP_RST, seq: ((syn?.seq ?? 0) + 1) >>> 0 });
    expect(Buffer.from(sockets.sent[0]?.frame.subarray(0, 6) ?? []).toString('hex')).toBe('020000000002');
  });

  it('a RST means the port is closed, and nothing more is sent', async () => {
    const { sockets, prober } = setup((syn) => reply(syn, TCP_RST | TCP_ACK));
    expect((await prober.probe(request())).kind).toBe('rst');
    expect(sockets.sent).toHaveLength(1);
  });

  it('silence until the timeout', async () => {
    const { clock, prober } = setup();
    const pending = prober.probe(request({ timeoutMs: 500 }));
    clock.advance(499);
    let settled = false;
    void pending.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    clock.advance(1);
    expect(await pending).toEqual({ kind: 'silence', latencyMs: 500 });
  });

  it.each([
    { name: 'a wrong acknowledgement number', make: (syn: TcpSegment) => reply(syn, TCP_SYN | TCP_ACK, 2) },
    {
      name: 'another source address',
      make: (syn: TcpSegment) => reply({ ...syn, dstIp: '192.0.2.101' }, TCP_SYN | TCP_ACK),
    },
    { name: 'another source port', make: (syn: TcpSegment) => reply({ ...syn, dstPort: 81 }, TCP_SYN | TCP_ACK) },
  ])('ignores an answer with $name', async ({ make }) => {
    const { clock, prober } = setup(make);
    const pending = prober.probe(request({ timeoutMs: 100 }));
    await new Promise<void>((r) => setImmediate(r));
    clock.advance(100);
    expect((await pending).kind).toBe('silence');
  });

  it('IPv6: SYN and answer over the IPv6 socket', async () => {
    const { sockets, prober } = setup((syn) => reply(syn, TCP_SYN | TCP_ACK));
    const outcome = await prober.probe(request({ srcIp: '2001:db8::1', vip: '2001:db8:0::100' }));
    expect(outcome.kind).toBe('syn-ack');
    expect(sockets.opened.map((o) => o.protocol)).toEqual([0x86dd]);
  });

  it('one socket per interface and family, shared by concurrent probes on distinct ports', async () => {
    const { sockets, prober } = setup((syn) => reply(syn, TCP_SYN | TCP_ACK));
    const outcomes = await Promise.all([1, 2, 3].map(() => prober.probe(request())));
    expect(outcomes.map((o) => o.kind)).toEqual(['syn-ack', 'syn-ack', 'syn-ack']);
    expect(sockets.opened).toHaveLength(1);
    const ports = new Set(
      sentSegments(sockets)
        .filter((s) => s?.flags === TCP_SYN)
        .map((s) => s?.srcPort),
    );
    expect(ports.size).toBe(3);
    prober.close();
    expect(sockets.openCount).toBe(0);
  });

  it('an abort ends the wait as silence', async () => {
    const { prober } = setup();
    const abort = new AbortController();
    const pending = prober.probe(request({ signal: abort.signal }));
    abort.abort();
    expect((await pending).kind).toBe('silence');
  });

  it('a socket that cannot be opened throws the SyscallError (no CAP_NET_RAW)', async () => {
    const { sockets, prober } = setup();
    sockets.failOn = { op: 'open', errnoName: 'EPERM' };
    await expect(prober.probe(request())).rejects.toMatchObject({ code: 'LVS_NET_SYSCALL', errnoName: 'EPERM' });
  });

  it('a failed send drops the socket, so the next probe opens a new one', async () => {
    const { sockets, prober } = setup();
    sockets.failOn = { op: 'send', errnoName: 'ENXIO' };
    await expect(prober.probe(request())).rejects.toMatchObject({ errnoName: 'ENXIO' });
    expect(sockets.openCount).toBe(0);
  });

  it('IPIP: the SYN and the RST go as bare IP packets to the tunnel remote, the answer is captured on the interface', async () => {
    const clock = new FakeClock(0);
    const sockets = new FakeCaptureSockets();
    const tunnels = new FakeTunnelSockets();
    const prober = new SynProber({ sockets, tunnels, clock, littleEndian: true });
    tunnels.onSend = ({ inner }) => {
      // The server decapsulates and answers directly, in a plain frame on the interface.
      const framed = new Uint8Array(14 + inner.length);
      framed.set([0x08, 0x00], 12);
      framed.set(inner, 14);
      const seg = parseTcpFrame(framed);
      if (seg?.flags === TCP_SYN) queueMicrotask(() => sockets.deliver(3, reply(seg, TCP_SYN | TCP_ACK)));
    };
    const outcome = await prober.probe(request({ via: { kind: 'ipip', remote: '198.51.100.7' } }));
    expect(outcome.kind).toBe('syn-ack');
    expect(tunnels.sent.map((t) => [t.remote, t.inner[0], t.inner[9]])).toEqual([
      ['198.51.100.7', 0x45, 6],
      ['198.51.100.7', 0x45, 6],
    ]);
    expect(sockets.sent).toHaveLength(0);
    expect(sockets.opened.map((o) => o.ifindex)).toEqual([3]);
  });

  it('IPIP without tunnel sockets is refused', async () => {
    const { prober } = setup();
    await expect(prober.probe(request({ via: { kind: 'ipip', remote: '198.51.100.7' } }))).rejects.toThrow(RangeError);
  });
});
