/**
 * Sends one TCP SYN for VIP:port straight to a real server's MAC and waits for its answer,
 * below the IP stack: the answer comes from the VIP, an address this director may hold itself,
 * so the kernel would drop it as a martian (or answer it with its own RST) before any socket
 * saw it. One filtered AF_PACKET socket per interface and family serves every probe; answers
 * are matched to probes by (VIP, port, our port, acknowledged sequence number).
 */
import type { Clock } from '../core/index.js';
import { encodeBpf, probeAnswerFilter } from './bpf.js';
import { ETH_P_IPV6, parseMac } from './frames.js';
import { canonicalIp } from './ip-codec.js';
import type { CaptureSocket, CaptureSockets, TunnelSocket, TunnelSockets } from './native.js';
import {
  buildTcpRst,
  buildTcpRstPacket,
  buildTcpSyn,
  buildTcpSynPacket,
  ETH_P_IP,
  parseTcpFrame,
  TCP_ACK,
  TCP_RST,
  TCP_SYN,
  type TcpPacketSpec,
  type TcpSegment,
} from './tcp-frames.js';

/**
 * Source ports of probes: above Linux's default ephemeral range (net.ipv4.ip_local_port_range
 * 32768-60999), so the capture filter never matches the director's own connections.
 */
export const PROBE_PORT_FROM = 61000;
export const PROBE_PORT_TO = 65535;

/**
 * How the SYN reaches the real server: in a frame to its MAC (DR), or inside IPIP to its
 * address (TUN, RFC 2003), the kernel adding the outer header and routing it.
 */
export type SynProbeVia =
  | { readonly kind: 'link'; readonly srcMac: string; readonly dstMac: string }
  | { readonly kind: 'ipip'; readonly remote: string };

/** One probe: how the SYN goes, what it is addressed to, where its answer is captured. */
export interface SynProbeRequest {
  /** The interface the answer arrives on (and, for `link`, the SYN leaves by). */
  readonly ifindex: number;
  readonly via: SynProbeVia;
  /** This node's address; the answer comes back to it. */
  readonly srcIp: string;
  readonly vip: string;
  readonly port: number;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

/** What came back: a SYN-ACK (listening), a RST (port closed) or nothing before the timeout. */
export type SynProbeOutcome =
  | { readonly kind: 'syn-ack' | 'rst'; readonly latencyMs: number }
  | { readonly kind: 'silence'; readonly latencyMs: number };

interface Waiter {
  readonly vip: string;
  readonly port: number;
  readonly srcIp: string;
  /** Our ISN + 1: what a genuine answer acknowledges. */
  readonly expectAck: number;
  readonly done: (segment: TcpSegment | undefined) => void;
}

interface Capture {
  readonly socket: CaptureSocket;
  /** By our source port. */
  readonly waiters: Map<number, Waiter>;
}

/** Dependencies of the {@link SynProber}. */
export interface SynProberOptions {
  readonly sockets: CaptureSockets;
  /** IPIP sockets for TUN real servers; without them an `ipip` probe throws. */
  readonly tunnels?: TunnelSockets;
  readonly clock: Clock;
  /** Uniform [0, 1); Math.random in production. */
  readonly random?: () => number;
  /** True on little-endian hosts (the byte order of the BPF program); os.endianness() === 'LE'. */
  readonly littleEndian: boolean;
}

/** See the file comment. Opening a socket needs CAP_NET_RAW; its SyscallError is thrown by `probe`. */
export class SynProber {
  private readonly captures = new Map<string, Capture>();
  private tunnel: TunnelSocket | undefined;
  private readonly random: () => number;

  constructor(private readonly opts: SynProberOptions) {
    this.random = opts.random ?? Math.random;
  }

  /** Sends the SYN and resolves with the outcome; a SYN-ACK is answered with a RST at once. */
  async probe(req: SynProbeRequest): Promise<SynProbeOutcome> {
    const family = req.vip.includes(':') ? 6 : 4;
    const capture = this.captureFor(req.ifindex, family);
    const srcPort = this.freePort(capture);
    const isn = Math.floor(this.random() * 0x100000000) >>> 0;
    const spec: Omit<TcpPacketSpec, 'seq'> = {
      srcIp: req.srcIp,
      dstIp: req.vip,
      srcPort,
      dstPort: req.port,
      ipId: Math.floor(this.random() * 0x10000),
    };
    const started = this.opts.clock.now();
    let finish: (segment: TcpSegment | undefined) => void = () => undefined;
    const answered = new Promise<TcpSegment | undefined>((resolve) => {
      let cancel = (): void => undefined;
      const onAbort = () => finish(undefined);
      finish = (segment) => {
        capture.waiters.delete(srcPort);
        cancel();
        req.signal.removeEventListener('abort', onAbort);
        resolve(segment);
      };
      capture.waiters.set(srcPort, {
        vip: canonicalIp(req.vip) ?? req.vip,
        port: req.port,
        srcIp: canonicalIp(req.srcIp) ?? req.srcIp,
        expectAck: (isn + 1) >>> 0,
        done: finish,
      });
      cancel = this.opts.clock.setTimer(req.timeoutMs, () => finish(undefined));
      req.signal.addEventListener('abort', onAbort);
    });
    if (req.signal.aborted) finish(undefined);
    try {
      this.send(capture, req.via, { ...spec, seq: isn }, 'syn');
    } catch (e) {
      finish(undefined);
      // A vanished interface leaves a dead socket: the next probe opens a new one.
      if (req.via.kind === 'link') this.drop(req.ifindex, family);
      throw e;
    }
    const answer = await answered;
    const latencyMs = this.opts.clock.now() - started;
    if (!answer) return { kind: 'silence', latencyMs };
    if ((answer.flags & TCP_RST) !== 0) return { kind: 'rst', latencyMs };
    // Close the half-open connection the server now holds (RFC 9293 §3.10.7.4: seq = ISN + 1).
    this.send(capture, req.via, { ...spec, seq: (isn + 1) >>> 0 }, 'rst');
    return { kind: 'syn-ack', latencyMs };
  }

  /** Closes every socket. */
  close(): void {
    for (const capture of this.captures.values()) capture.socket.close();
    this.captures.clear();
    this.tunnel?.close();
    this.tunnel = undefined;
  }

  private send(capture: Capture, via: SynProbeVia, spec: TcpPacketSpec, what: 'syn' | 'rst'): void {
    if (via.kind === 'link') {
      const framed = { ...spec, srcMac: parseMac(via.srcMac), dstMac: parseMac(via.dstMac) };
      capture.socket.send(what === 'syn' ? buildTcpSyn(framed) : buildTcpRst(framed));
      return;
    }
    if (!this.opts.tunnels) throw new RangeError('no IPIP sockets: this prober probes on the link only');
    this.tunnel ??= this.opts.tunnels.open();
    this.tunnel.send(via.remote, what === 'syn' ? buildTcpSynPacket(spec) : buildTcpRstPacket(spec));
  }

  private captureFor(ifindex: number, family: 4 | 6): Capture {
    const id = `${ifindex}/${family}`;
    const existing = this.captures.get(id);
    if (existing) return existing;
    const filter = encodeBpf(probeAnswerFilter(family, PROBE_PORT_FROM, PROBE_PORT_TO), this.opts.littleEndian);
    const socket = this.opts.sockets.open(ifindex, family === 4 ? ETH_P_IP : ETH_P_IPV6, filter);
    const capture: Capture = { socket, waiters: new Map() };
    socket.onFrame((frame) => this.onFrame(capture, frame));
    this.captures.set(id, capture);
    return capture;
  }

  private drop(ifindex: number, family: 4 | 6): void {
    const id = `${ifindex}/${family}`;
    const capture = this.captures.get(id);
    if (!capture) return;
    this.captures.delete(id);
    for (const w of [...capture.waiters.values()]) w.done(undefined);
    capture.socket.close();
  }

  private onFrame(capture: Capture, frame: Uint8Array): void {
    const segment = parseTcpFrame(frame);
    if (!segment) return;
    const waiter = capture.waiters.get(segment.dstPort);
    if (
      !waiter ||
      segment.srcIp !== waiter.vip ||
      segment.srcPort !== waiter.port ||
      segment.dstIp !== waiter.srcIp ||
      (segment.flags & TCP_ACK) === 0 ||
      segment.ack !== waiter.expectAck
    ) {
      return;
    }
    const isAnswer = (segment.flags & TCP_RST) !== 0 || (segment.flags & TCP_SYN) !== 0;
    if (isAnswer) waiter.done(segment);
  }

  /** A random probe port that no probe in flight on this socket uses. */
  private freePort(capture: Capture): number {
    const span = PROBE_PORT_TO - PROBE_PORT_FROM + 1;
    let port = PROBE_PORT_FROM + Math.floor(this.random() * span);
    for (let i = 0; i < span && capture.waiters.has(port); i++) {
      port = port === PROBE_PORT_TO ? PROBE_PORT_FROM : port + 1;
    }
    return port;
  }
}
