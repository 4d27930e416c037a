/**
 * {@link AdvertTransport} over raw-socket (IPPROTO_VRRP), set up as keepalived's
 * open_vrrp_send_socket / open_vrrp_read_socket do: SO_BINDTODEVICE, multicast membership,
 * multicast TTL/hops 255, loop off, TOS/traffic class 0xc0. IPv4 is sent with IP_HDRINCL and
 * a header built by the codec (so the source is ours and the bytes match keepalived's) and
 * received with its header (TTL, destination). IPv6 is sent with IPV6_CHECKSUM (the kernel
 * computes the pseudo-header checksum); raw-socket's recvfrom cannot report the hop limit or
 * the destination of an IPv6 datagram, so IPv6 is received through the native addon's recvmsg
 * (IPV6_RECVHOPLIMIT, IPV6_RECVPKTINFO), as keepalived does, and the checksum is verified by
 * the codec. Without the addon, IPv6 falls back to raw-socket and the kernel's check.
 */
import raw from 'raw-socket';
import type { RawIpSocket, RawIpSockets } from '../net/index.js';
import { parseIP } from '../net/ip-codec.js';
import { decodeIpv4, encodeIpv4 } from './codec.js';
import { IPPROTO_VRRP, VRRP_IP_TTL, VRRP_MCAST_ADDR4, VRRP_MCAST_ADDR6, VRRP_TOS } from './constants.js';
import { TransportError } from './errors.js';
import type { AdvertTransport, ReceivedPacket, TransportOptions } from './transport.js';
import type { Checked } from './types.js';

type RawSocket = ReturnType<typeof raw.createSocket>;

// <linux/socket.h>, <linux/in.h>, <linux/in6.h>
const SOL_SOCKET = 1;
const SO_BINDTODEVICE = 25;
const SO_RCVBUF = 8;
const IPPROTO_IP = 0;
const IPPROTO_IPV6 = 41;
const IP_TOS = 1;
const IP_HDRINCL = 3;
const IP_MULTICAST_IF = 32;
const IP_MULTICAST_TTL = 33;
const IP_MULTICAST_LOOP = 34;
const IP_ADD_MEMBERSHIP = 35;
const IPV6_CHECKSUM = 7;
const IPV6_UNICAST_HOPS = 16;
const IPV6_MULTICAST_IF = 17;
const IPV6_MULTICAST_HOPS = 18;
const IPV6_MULTICAST_LOOP = 19;
const IPV6_JOIN_GROUP = 20;
const IPV6_TCLASS = 67;
const IPV6_RECVPKTINFO = 49;
const IPV6_RECVHOPLIMIT = 51;
/** Offset of the checksum in a VRRP message, for IPV6_CHECKSUM (RFC 3542 §3.1). */
const VRRP_CHECKSUM_OFFSET = 6;

function mreqn(group: string, ifindex: number): Buffer {
  // struct ip_mreqn { in_addr imr_multiaddr; in_addr imr_address; int imr_ifindex; }
  const b = Buffer.alloc(12);
  b.set(parseIP(group)?.bytes ?? [], 0);
  b.writeInt32LE(ifindex, 8);
  return b;
}

function ipv6Mreq(group: string, ifindex: number): Buffer {
  // struct ipv6_mreq { in6_addr ipv6mr_multiaddr; int ipv6mr_interface; }
  const b = Buffer.alloc(20);
  b.set(parseIP(group)?.bytes ?? [], 0);
  b.writeInt32LE(ifindex, 16);
  return b;
}

function ifindexOption(ifindex: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(ifindex, 0);
  return b;
}

/** The real transport; construct through {@link openRawTransport}. */
export class RawAdvertTransport implements AdvertTransport {
  private readonly socket: RawSocket;
  private readonly listeners: ((p: Checked<ReceivedPacket>) => void)[] = [];
  private readonly errorListeners: ((err: Error) => void)[] = [];
  private ipId = 0;
  private closed = false;
  private receiver: RawIpSocket | undefined;

  constructor(
    private readonly opts: TransportOptions,
    rawIp?: RawIpSockets,
  ) {
    const v6 = opts.family === 6;
    try {
      this.socket = raw.createSocket({
        protocol: IPPROTO_VRRP,
        addressFamily: v6 ? raw.AddressFamily.IPv6 : raw.AddressFamily.IPv4,
        bufferSize: 2048,
      });
    } catch (e) {
      throw new TransportError('socket', opts.ifname, { cause: e });
    }
    // raw-socket reports receive errors here; the next datagram is read normally.
    this.socket.on('error', (err) => {
      for (const l of this.errorListeners) l(err);
    });
    this.socket.on('message', (buf, source) => this.receive(buf, source));
    this.configure(v6);
    if (v6 && rawIp) this.openReceiver(rawIp);
  }

  /** IPv6 receive socket with ancillary data; raw-socket's own socket then only sends. */
  private openReceiver(rawIp: RawIpSockets): void {
    const { ifname, ifindex } = this.opts;
    let r: RawIpSocket;
    try {
      r = rawIp.open(6, IPPROTO_VRRP);
    } catch {
      // Addon not built: keep receiving through raw-socket (no hop-limit check).
      return;
    }
    const int = (v: number) => {
      const b = Buffer.alloc(4);
      b.writeInt32LE(v, 0);
      return b;
    };
    try {
      r.setOption(SOL_SOCKET, SO_BINDTODEVICE, Buffer.from(`${ifname}\0`));
      r.setOption(IPPROTO_IPV6, IPV6_RECVHOPLIMIT, int(1));
      r.setOption(IPPROTO_IPV6, IPV6_RECVPKTINFO, int(1));
      if (this.opts.multicast) r.setOption(IPPROTO_IPV6, IPV6_JOIN_GROUP, ipv6Mreq(VRRP_MCAST_ADDR6, ifindex));
    } catch (e) {
      r.close();
      this.socket.close();
      throw new TransportError('IPv6 receive socket', ifname, { cause: e });
    }
    r.onMessage((data, meta) => {
      const packet: Checked<ReceivedPacket> = {
        ok: true,
        value: {
          payload: data,
          meta: {
            family: 6,
            source: meta.source,
            ...(meta.destination !== undefined ? { destination: meta.destination } : {}),
            ...(meta.ttl !== undefined ? { ttl: meta.ttl } : {}),
          },
        },
      };
      for (const l of this.listeners) l(packet);
    });
    this.socket.pauseRecv();
    this.receiver = r;
  }

  private option(what: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.socket.close();
      throw new TransportError(what, this.opts.ifname, { cause: e });
    }
  }

  private configure(v6: boolean): void {
    const s = this.socket;
    const { ifname, ifindex } = this.opts;
    const dev = Buffer.from(`${ifname}\0`);
    this.option('SO_BINDTODEVICE', () => s.setOption(SOL_SOCKET, SO_BINDTODEVICE, dev, dev.length));
    this.option('SO_RCVBUF', () => s.setOption(SOL_SOCKET, SO_RCVBUF, 256 * 1024));
    if (!v6) {
      this.option('IP_HDRINCL', () => s.setOption(IPPROTO_IP, IP_HDRINCL, 1));
      this.option('IP_TOS', () => s.setOption(IPPROTO_IP, IP_TOS, VRRP_TOS));
      this.option('IP_MULTICAST_TTL', () => s.setOption(IPPROTO_IP, IP_MULTICAST_TTL, VRRP_IP_TTL));
      this.option('IP_MULTICAST_LOOP', () => s.setOption(IPPROTO_IP, IP_MULTICAST_LOOP, 0));
      const m = mreqn(VRRP_MCAST_ADDR4, ifindex);
      this.option('IP_MULTICAST_IF', () => s.setOption(IPPROTO_IP, IP_MULTICAST_IF, m, m.length));
      if (this.opts.multicast) {
        this.option('IP_ADD_MEMBERSHIP', () => s.setOption(IPPROTO_IP, IP_ADD_MEMBERSHIP, m, m.length));
      }
      return;
    }
    this.option('IPV6_CHECKSUM', () => s.setOption(IPPROTO_IPV6, IPV6_CHECKSUM, VRRP_CHECKSUM_OFFSET));
    this.option('IPV6_TCLASS', () => s.setOption(IPPROTO_IPV6, IPV6_TCLASS, VRRP_TOS));
    this.option('IPV6_UNICAST_HOPS', () => s.setOption(IPPROTO_IPV6, IPV6_UNICAST_HOPS, VRRP_IP_TTL));
    this.option('IPV6_MULTICAST_HOPS', () => s.setOption(IPPROTO_IPV6, IPV6_MULTICAST_HOPS, VRRP_IP_TTL));
    this.option('IPV6_MULTICAST_LOOP', () => s.setOption(IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0));
    const idx = ifindexOption(ifindex);
    this.option('IPV6_MULTICAST_IF', () => s.setOption(IPPROTO_IPV6, IPV6_MULTICAST_IF, idx, idx.length));
    if (this.opts.multicast) {
      const m = ipv6Mreq(VRRP_MCAST_ADDR6, ifindex);
      this.option('IPV6_JOIN_GROUP', () => s.setOption(IPPROTO_IPV6, IPV6_JOIN_GROUP, m, m.length));
    }
  }

  private receive(buf: Buffer, source: string): void {
    if (this.receiver) return;
    let packet: Checked<ReceivedPacket>;
    if (this.opts.family === 4) {
      const ip = decodeIpv4(buf);
      packet = ip.ok
        ? {
            ok: true,
            value: {
              payload: Uint8Array.from(ip.value.payload),
              meta: { family: 4, source: ip.value.source, destination: ip.value.destination, ttl: ip.value.ttl },
            },
          }
        : ip;
    } else {
      // IPv6 raw sockets deliver no header: no hop limit, no destination (checksum verified by
      // the kernel through IPV6_CHECKSUM). The source has no zone.
      packet = {
        ok: true,
        value: { payload: Uint8Array.from(buf), meta: { family: 6, source: source.split('%')[0] ?? source } },
      };
    }
    for (const l of this.listeners) l(packet);
  }

  send(payload: Uint8Array, destination: string): Promise<void> {
    if (this.closed) return Promise.reject(new TransportError('send', this.opts.ifname));
    let bytes: Uint8Array = payload;
    let dest = destination;
    if (this.opts.family === 4) {
      this.ipId = (this.ipId + 1) & 0xffff;
      bytes = encodeIpv4({ source: this.opts.source, destination, id: this.ipId, payload });
    } else if (dest.toLowerCase().startsWith('fe80:') && !dest.includes('%')) {
      dest = `${dest}%${this.opts.ifname}`;
    }
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return new Promise((resolve, reject) => {
      this.socket.send(buf, 0, buf.length, dest, (err) => {
        if (err) reject(new TransportError('send', this.opts.ifname, { cause: err }));
        else resolve();
      });
    });
  }

  onPacket(listener: (packet: Checked<ReceivedPacket>) => void): void {
    this.listeners.push(listener);
  }

  onError(listener: (err: Error) => void): void {
    this.errorListeners.push(listener);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.receiver?.close();
    this.socket.close();
  }
}

/** The {@link TransportFactory} of the real speaker; `rawIp` receives IPv6 with its metadata. */
export function rawTransportFactory(rawIp?: RawIpSockets): (opts: TransportOptions) => AdvertTransport {
  return (opts) => new RawAdvertTransport(opts, rawIp);
}
