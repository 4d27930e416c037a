/**
 * Sends gratuitous ARPs (IPv4) and unsolicited Neighbor Advertisements (IPv6) for addresses
 * a new master has taken, through the {@link PacketSockets} port. Timing (delay, repeat,
 * refresh) is decided by the caller; this class only sends bursts.
 */
import { buildGratuitousArp, buildUnsolicitedNa, parseMac } from './frames.js';
import { familyOf } from './ip-codec.js';
import type { PacketSocket, PacketSockets } from './native.js';

/** The link an announcement goes out of. */
export interface AnnounceLink {
  readonly index: number;
  readonly mac: string;
}

/** Sends link-layer announcements; `announce` throws SyscallError on a send failure. */
export class Announcer {
  private readonly sockets = new Map<number, PacketSocket>();

  constructor(private readonly packets: PacketSockets) {}

  /** Sends `repeat` frames for each address, back to back (keepalived's default garp_interval 0). */
  announce(link: AnnounceLink, addresses: readonly string[], repeat: number): number {
    let socket = this.sockets.get(link.index);
    if (!socket) {
      // Protocol 0: the socket only sends, it never receives.
      socket = this.packets.open(link.index, 0);
      this.sockets.set(link.index, socket);
    }
    const mac = parseMac(link.mac);
    let sent = 0;
    for (let i = 0; i < repeat; i++) {
      for (const a of addresses) {
        socket.send(familyOf(a) === 6 ? buildUnsolicitedNa(mac, a) : buildGratuitousArp(mac, a));
        sent++;
      }
    }
    return sent;
  }

  /** Closes every socket. */
  close(): void {
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
  }
}
