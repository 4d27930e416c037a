import type { AddressEntry, AddressSpec, Addresses } from './addresses.js';
import { NetlinkError } from './errors.js';
import { canonicalIp, familyOf, parseIP } from './ip-codec.js';

function sameSubnet(a: string, b: string, prefixLength: number): boolean {
  const x = parseIP(a, 4)?.bytes;
  const y = parseIP(b, 4)?.bytes;
  if (!x || !y) return false;
  const toInt = (v: Uint8Array) => (((v[0] ?? 0) << 24) | ((v[1] ?? 0) << 16) | ((v[2] ?? 0) << 8) | (v[3] ?? 0)) >>> 0;
  const mask = prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
  return (toInt(x) & mask) >>> 0 === (toInt(y) & mask) >>> 0;
}

/** One operation the fake performed. */
export interface AddressOp {
  readonly op: 'add' | 'remove' | 'forgetNeighbour';
  readonly spec: AddressSpec;
}

/**
 * In-memory {@link Addresses} with kernel semantics: one entry per (ifindex, address), an IPv4
 * address covered by a primary of the same prefix length is secondary, idempotent add and remove. `failOn` injects an
 * error for one operation.
 */
export class FakeAddresses implements Addresses {
  readonly entries: AddressEntry[] = [];
  readonly ops: AddressOp[] = [];
  failOn: { op: 'add' | 'remove' | 'list'; errnoName: string } | undefined;

  list(filter: { readonly ifindex?: number } = {}): Promise<AddressEntry[]> {
    if (this.failOn?.op === 'list')
      return Promise.reject(new NetlinkError('listAddresses', this.failOn.errnoName, '*'));
    return Promise.resolve(this.entries.filter((e) => filter.ifindex === undefined || e.ifindex === filter.ifindex));
  }

  add(spec: AddressSpec): Promise<boolean> {
    this.ops.push({ op: 'add', spec });
    if (this.failOn?.op === 'add')
      return Promise.reject(new NetlinkError('addAddress', this.failOn.errnoName, spec.address));
    const address = canonicalIp(spec.address) ?? spec.address;
    if (this.find(spec.ifindex, address) >= 0) return Promise.resolve(false);
    const family = familyOf(address) ?? 4;
    this.entries.push({
      ifindex: spec.ifindex,
      family,
      address,
      prefixLength: spec.prefixLength,
      ...(spec.label !== undefined && family === 4 ? { label: spec.label } : {}),
      // The kernel (inet_insert_ifa) makes an address secondary when a primary of the same
      // prefix length already covers it.
      secondary:
        family === 4 &&
        this.entries.some(
          (e) =>
            e.ifindex === spec.ifindex &&
            e.family === 4 &&
            !e.secondary &&
            e.prefixLength === spec.prefixLength &&
            sameSubnet(e.address, address, spec.prefixLength),
        ),
      scope: address.startsWith('fe80:') ? 253 : 0,
    });
    return Promise.resolve(true);
  }

  remove(spec: AddressSpec): Promise<void> {
    this.ops.push({ op: 'remove', spec });
    if (this.failOn?.op === 'remove') {
      return Promise.reject(new NetlinkError('removeAddress', this.failOn.errnoName, spec.address));
    }
    const i = this.find(spec.ifindex, canonicalIp(spec.address) ?? spec.address);
    const entry = this.entries[i];
    // inet_rtm_deladdr matches IFA_LABEL when given: another label (or none) is not removed.
    if (entry && spec.label !== undefined && entry.family === 4 && entry.label !== spec.label) return Promise.resolve();
    if (i >= 0) this.entries.splice(i, 1);
    return Promise.resolve();
  }

  forgetNeighbour(spec: AddressSpec): Promise<void> {
    this.ops.push({ op: 'forgetNeighbour', spec });
    return Promise.resolve();
  }

  /** Addresses of one interface, as text, for assertions. */
  addressesOf(ifindex: number): string[] {
    return this.entries.filter((e) => e.ifindex === ifindex).map((e) => e.address);
  }

  private find(ifindex: number, address: string): number {
    return this.entries.findIndex((e) => e.ifindex === ifindex && e.address === address);
  }
}
