import type { Clock } from '../core/index.js';
import { isMulticast } from './accept.js';
import type { AdvertTransport, ReceivedPacket, TransportOptions } from './transport.js';
import type { Checked } from './types.js';

/** A sent message as the wire records it. */
export interface WireFrame {
  readonly from: string;
  readonly ifname: string;
  readonly destination: string;
  readonly payload: Uint8Array;
  readonly at: number;
}

/**
 * An in-memory segment joining {@link FakeAdvertTransport}s: multicast reaches every other
 * member that joined, unicast the member with that source address. Delivery goes through the
 * Clock (after `latencyMs`), so a FakeClock orders it with the timers. `cut` isolates a member.
 */
export class FakeWire {
  readonly frames: WireFrame[] = [];
  private readonly members = new Set<FakeAdvertTransport>();
  private readonly isolated = new Set<string>();

  constructor(
    private readonly clock: Clock,
    private readonly latencyMs = 0,
  ) {}

  /** A {@link TransportFactory} whose transports join this wire. */
  readonly factory = (opts: TransportOptions): AdvertTransport => {
    const t = new FakeAdvertTransport(this, opts);
    this.members.add(t);
    return t;
  };

  /** Stops (or restores) delivery from and to a member, by source address. */
  cut(source: string, isolated = true): void {
    if (isolated) this.isolated.add(source);
    else this.isolated.delete(source);
  }

  /** Delivers a crafted packet to every member as if it came off the wire. */
  inject(packet: Checked<ReceivedPacket>): void {
    for (const m of this.members) this.clock.setTimer(this.latencyMs, () => m.deliver(packet));
  }

  /** @internal */
  transmit(from: FakeAdvertTransport, payload: Uint8Array, destination: string): void {
    const src = from.opts.source;
    this.frames.push({ from: src, ifname: from.opts.ifname, destination, payload, at: this.clock.now() });
    if (this.isolated.has(src)) return;
    for (const m of this.members) {
      if (m === from || m.closed || this.isolated.has(m.opts.source) || m.opts.family !== from.opts.family) continue;
      const reaches = isMulticast(destination) ? m.opts.multicast : m.opts.source === destination;
      if (!reaches) continue;
      const packet: Checked<ReceivedPacket> = {
        ok: true,
        value: { payload, meta: { family: from.opts.family, source: src, destination, ttl: 255 } },
      };
      this.clock.setTimer(this.latencyMs, () => m.deliver(packet));
    }
  }

  /** @internal */
  leave(t: FakeAdvertTransport): void {
    this.members.delete(t);
  }
}

/** One member of a {@link FakeWire}. */
export class FakeAdvertTransport implements AdvertTransport {
  closed = false;
  private readonly listeners: ((p: Checked<ReceivedPacket>) => void)[] = [];

  constructor(
    private readonly wire: FakeWire,
    readonly opts: TransportOptions,
  ) {}

  send(payload: Uint8Array, destination: string): Promise<void> {
    if (!this.closed) this.wire.transmit(this, Uint8Array.from(payload), destination);
    return Promise.resolve();
  }

  onPacket(listener: (packet: Checked<ReceivedPacket>) => void): void {
    this.listeners.push(listener);
  }

  onError(_listener: (err: Error) => void): void {
    // The in-memory wire has no socket errors.
  }

  /** @internal */
  deliver(packet: Checked<ReceivedPacket>): void {
    if (this.closed) return;
    for (const l of this.listeners) l(packet);
  }

  close(): void {
    this.closed = true;
    this.wire.leave(this);
  }
}
