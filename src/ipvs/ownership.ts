import { canonicalAddress } from './address.js';
import type { IpvsRecordError } from './errors.js';
import { serviceId, type ServiceKey } from './types.js';

/**
 * An entry of the record that could not be proven: unreadable, not JSON, not a service key, or
 * a key that does not belong to the file it is in. `name` is the entry's name as
 * {@link recordNameOf} gives it for the service it was filed under, so the service it
 * concerns is known without trusting its content.
 */
export interface UnprovenEntry {
  readonly name: string;
  readonly error: IpvsRecordError;
  /** Where the bad file was moved for inspection; absent when it could not be moved. */
  readonly keptAt?: string;
}

/** What {@link OwnershipStore.load} found. */
export interface OwnershipSnapshot {
  readonly keys: readonly ServiceKey[];
  readonly unproven: readonly UnprovenEntry[];
}

/**
 * The record of services this node created, kept across restarts so that a service dropped
 * from the desired state while the agent was down is still recognised as ours and removed,
 * and a service someone else made is never taken for ours. One entry per service: a bad entry
 * costs only its own service, and a change writes only what changed.
 */
export interface OwnershipStore {
  /**
   * Reads the whole record. A bad entry is reported in `unproven` (and kept aside), never
   * thrown; an unreadable record as a whole throws {@link IpvsRecordError} naming its path.
   */
  load(): Promise<OwnershipSnapshot>;
  /** Records one service, durably, before the caller creates it. Throws IpvsRecordError. */
  add(key: ServiceKey): Promise<void>;
  /** Forgets one service after the caller deleted it. Throws IpvsRecordError. */
  remove(key: ServiceKey): Promise<void>;
}

/**
 * The name of a service's entry in the record, computed from the key (never parsed back):
 * readable in a directory listing and safe as a file name.
 */
export function recordNameOf(key: ServiceKey): string {
  return key.kind === 'fwmark' ? `fwmark-${key.af}-${key.fwmark}` : `${key.protocol}-${key.address}-${key.port}`;
}

/** An OwnershipStore in memory: ownership lasts as long as the process. */
export class MemoryOwnershipStore implements OwnershipStore {
  private readonly keys = new Map<string, ServiceKey>();

  constructor(initial: readonly ServiceKey[] = []) {
    for (const k of initial) this.keys.set(serviceId(k), k);
  }

  load(): Promise<OwnershipSnapshot> {
    return Promise.resolve({ keys: [...this.keys.values()], unproven: [] });
  }
  add(key: ServiceKey): Promise<void> {
    this.keys.set(serviceId(key), key);
    return Promise.resolve();
  }
  remove(key: ServiceKey): Promise<void> {
    this.keys.delete(serviceId(key));
    return Promise.resolve();
  }
}

/** Narrows parsed JSON to a ServiceKey, or undefined. */
export function asServiceKey(v: unknown): ServiceKey | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const k = v as Record<string, unknown>;
  const af = k['af'];
  if (af !== 'inet' && af !== 'inet6') return undefined;
  if (k['kind'] === 'fwmark') {
    const fwmark = k['fwmark'];
    return isUint(fwmark, 0xffffffff) && fwmark > 0 ? { kind: 'fwmark', af, fwmark } : undefined;
  }
  const { protocol, address, port } = k;
  if (k['kind'] !== 'addr' || typeof address !== 'string' || address.length > 64 || !isUint(port, 65535)) {
    return undefined;
  }
  if (protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'sctp') return undefined;
  // Only the canonical text of an address of the stated family: the key must equal the one
  // the kernel dump gives for the same service.
  const canonical = canonicalAddress(address);
  if (canonical?.af !== af || canonical.address !== address) return undefined;
  return { kind: 'addr', af, protocol, address, port };
}

function isUint(v: unknown, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
}
