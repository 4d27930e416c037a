/**
 * The CaptureSockets contract, run against the fake (unit tier) and the native adapter on a
 * veth pair (netns tier) so the fake cannot drift: a frame the filter keeps arrives cut to the
 * snap length, one it drops never does, a socket does not hear its own frames, and a closed
 * socket neither receives nor sends.
 */
import { endianness } from 'node:os';
import { expect, it } from 'vitest';
import { encodeBpf, probeAnswerFilter } from '../../src/net/bpf.js';
import { parseMac } from '../../src/net/frames.js';
import type { CaptureSockets } from '../../src/net/native.js';
import { buildTcpSyn, ETH_P_IP, TCP_ACK, TCP_RST, TCP_SYN } from '../../src/net/tcp-frames.js';

export interface CaptureContractTargets {
  readonly sockets: () => CaptureSockets;
  /** The interface the socket under test is bound to. */
  readonly ifindex: () => number;
  /** Makes a frame arrive on that interface from outside (a peer sends it). */
  readonly arrive: (frame: Uint8Array) => void;
}

const filter = () => encodeBpf(probeAnswerFilter(4, 61000, 65535), endianness() === 'LE');

/** A segment from VIP:80 to a probe port with the given flags, padded to `length` bytes. */
function answer(flags: number, dstPort: number, length = 0): Uint8Array {
  const f = buildTcpSyn({
    srcMac: parseMac('02:00:00:00:00:02'),
    dstMac: parseMac('02:00:00:00:00:01'),
    srcIp: '192.0.2.100',
    dstIp: '192.0.2.1',
    srcPort: 80,
    dstPort,
    seq: 1,
    ipId: 1,
  });
  f[34 + 13] = flags;
  if (length <= f.length) return f;
  const padded = new Uint8Array(length);
  padded.set(f);
  return padded;
}

const dstPortOf = (frame: Uint8Array) => new DataView(frame.buffer, frame.byteOffset).getUint16(36);

/** Waits until `n` frames arrived or 2 s passed (the native socket reads on readiness). */
async function collected(frames: Uint8Array[], n: number): Promise<void> {
  const deadline = Date.now() + 2000;
  while (frames.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
}

/** Declares the contract's cases in the current describe block. */
export function captureSocketsContract(t: CaptureContractTargets): void {
  it('contract: a kept frame arrives cut to the snap length; a dropped one never does', async () => {
    const socket = t.sockets().open(t.ifindex(), ETH_P_IP, filter());
    const frames: Uint8Array[] = [];
    socket.onFrame((f) => frames.push(f));
    try {
      t.arrive(answer(TCP_ACK, 61001));
      t.arrive(answer(TCP_SYN | TCP_ACK, 40000));
      t.arrive(answer(TCP_SYN | TCP_ACK, 61002, 300));
      t.arrive(answer(TCP_RST | TCP_ACK, 61003));
      await collected(frames, 2);
      await new Promise((r) => setTimeout(r, 50));
      expect(frames.map(dstPortOf)).toEqual([61002, 61003]);
      expect(frames[0]?.length).toBe(128);
    } finally {
      socket.close();
    }
  });

  it('contract: a socket does not receive the frames it sends', async () => {
    const socket = t.sockets().open(t.ifindex(), ETH_P_IP, filter());
    const frames: Uint8Array[] = [];
    socket.onFrame((f) => frames.push(f));
    try {
      socket.send(answer(TCP_SYN | TCP_ACK, 61010));
      t.arrive(answer(TCP_SYN | TCP_ACK, 61011));
      await collected(frames, 1);
      await new Promise((r) => setTimeout(r, 50));
      expect(frames.map(dstPortOf)).toEqual([61011]);
    } finally {
      socket.close();
    }
  });

  it('contract: a closed socket receives nothing and refuses to send', async () => {
    const socket = t.sockets().open(t.ifindex(), ETH_P_IP, filter());
    const frames: Uint8Array[] = [];
    socket.onFrame((f) => frames.push(f));
    socket.close();
    t.arrive(answer(TCP_SYN | TCP_ACK, 61020));
    await new Promise((r) => setTimeout(r, 50));
    expect(frames).toEqual([]);
    expect(() => socket.send(answer(TCP_RST, 61021))).toThrow();
  });
}
