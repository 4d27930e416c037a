/**
 * The advert transport port: one per (interface, address family), shared by the instances on
 * that interface, which dispatch on the VRID. Implementations: RawAdvertTransport
 * (raw-socket) and FakeAdvertTransport (an in-memory wire).
 */
import type { AddressFamily, Checked, ReceivedMeta } from './types.js';

/** A VRRP message as received, IP header already checked and removed. */
export interface ReceivedPacket {
  readonly payload: Uint8Array;
  readonly meta: ReceivedMeta;
}

/** What a transport is opened for. */
export interface TransportOptions {
  readonly family: AddressFamily;
  readonly ifname: string;
  readonly ifindex: number;
  /** Source address of adverts (IPv4: put in the header; IPv6: chosen by the kernel). */
  readonly source: string;
  /** Join the VRRP multicast group (224.0.0.18 / ff02::12). */
  readonly multicast: boolean;
}

/** Sends and receives VRRP messages on one interface. */
export interface AdvertTransport {
  /** Sends a VRRP message (no IP header) to `destination`; settles when the kernel took it. */
  send(payload: Uint8Array, destination: string): Promise<void>;
  /** Packets that passed the IP layer, or why they did not. */
  onPacket(listener: (packet: Checked<ReceivedPacket>) => void): void;
  /** Socket errors while receiving (the transport keeps reading). */
  onError(listener: (err: Error) => void): void;
  close(): void;
}

/** Opens transports; the speaker's seam for tests. */
export type TransportFactory = (opts: TransportOptions) => AdvertTransport;
