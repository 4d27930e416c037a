import { createRtNetlink, FlagsNew, type RtNetlinkSocket, type rt } from 'netlink';
import type { AddressEntry, AddressSpec, Addresses } from './addresses.js';
import { NetlinkError } from './errors.js';
import { formatIp, parseIP } from './ip-codec.js';

const AF_INET = 2;
const AF_INET6 = 10;
const RT_SCOPE_UNIVERSE = 0;
const RT_SCOPE_LINK = 253;

/** The errno name of a rejected netlink request (the library only puts it in the message). */
function errnoNameOf(e: unknown): string {
  const m = /Request rejected: (\w+)/.exec(e instanceof Error ? e.message : '');
  return m?.[1] ?? 'EIO';
}

function toEntry(m: rt.AddressMessage): AddressEntry | undefined {
  const raw = m.attrs.local ?? m.attrs.address;
  if (!raw || m.data.index === undefined || (m.data.family !== AF_INET && m.data.family !== AF_INET6)) return undefined;
  const label = m.attrs.label;
  return {
    ifindex: m.data.index,
    family: m.data.family === AF_INET ? 4 : 6,
    address: formatIp(Uint8Array.from(raw)),
    prefixLength: m.data.prefixlen ?? 0,
    ...(label !== undefined && m.data.family === AF_INET ? { label } : {}),
    secondary: (m.attrs.flags ?? m.data.flags)?.secondary === true,
    scope: m.data.scope ?? 0,
  };
}

/** {@link Addresses} over rtnetlink (RTM_NEWADDR / RTM_DELADDR / RTM_GETADDR). */
export class NetlinkAddresses implements Addresses {
  private readonly rt: RtNetlinkSocket = createRtNetlink();

  async list(filter: { readonly ifindex?: number } = {}): Promise<AddressEntry[]> {
    const msgs = await this.rt.getAddresses();
    return msgs
      .map(toEntry)
      .filter(
        (e): e is AddressEntry => e !== undefined && (filter.ifindex === undefined || e.ifindex === filter.ifindex),
      );
  }

  async add(spec: AddressSpec): Promise<boolean> {
    const { data, attrs } = this.message(spec);
    try {
      // IFA_F_NODAD for IPv6 as keepalived does: a VIP must work at once, not after DAD.
      await this.rt.newAddress(
        { ...data, ...(data.family === AF_INET6 ? { flags: { nodad: true } } : {}) },
        { ...attrs, ...(spec.label !== undefined && data.family === AF_INET ? { label: spec.label } : {}) },
        { flags: FlagsNew.CREATE | FlagsNew.EXCL },
      );
      return true;
    } catch (e) {
      const name = errnoNameOf(e);
      if (name === 'EEXIST') return false;
      throw new NetlinkError('addAddress', name, `${spec.address}/${spec.prefixLength}`, { cause: e });
    }
  }

  async remove(spec: AddressSpec): Promise<void> {
    const { data, attrs } = this.message(spec);
    try {
      await this.rt.delAddress(data, {
        ...attrs,
        ...(spec.label !== undefined && data.family === AF_INET ? { label: spec.label } : {}),
      });
    } catch (e) {
      const name = errnoNameOf(e);
      if (name === 'EADDRNOTAVAIL' || name === 'ENOENT' || name === 'ENODEV') return;
      throw new NetlinkError('removeAddress', name, `${spec.address}/${spec.prefixLength}`, { cause: e });
    }
  }

  async forgetNeighbour(spec: AddressSpec): Promise<void> {
    const bytes = parseIP(spec.address)?.bytes;
    if (!bytes) throw new RangeError(`not an IP address: ${spec.address}`);
    try {
      await this.rt.delNeighbor(
        { family: bytes.length === 16 ? AF_INET6 : AF_INET, ifindex: spec.ifindex },
        { dst: Buffer.from(bytes) },
      );
    } catch (e) {
      const name = errnoNameOf(e);
      if (name === 'ENOENT' || name === 'ENODEV') return;
      throw new NetlinkError('deleteNeighbour', name, spec.address, { cause: e });
    }
  }

  close(): void {
    this.rt.socket.socket.close();
  }

  private message(spec: AddressSpec): { data: rt.Address; attrs: rt.AddressAttrs } {
    const bytes = parseIP(spec.address)?.bytes;
    if (!bytes) throw new RangeError(`not an IP address: ${spec.address}`);
    const buf = Buffer.from(bytes);
    const v6 = bytes.length === 16;
    const linkLocal = v6 && bytes[0] === 0xfe && ((bytes[1] ?? 0) & 0xc0) === 0x80;
    return {
      data: {
        family: v6 ? AF_INET6 : AF_INET,
        prefixlen: spec.prefixLength,
        index: spec.ifindex,
        scope: linkLocal ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE,
      },
      attrs: v6 ? { address: buf } : { local: buf, address: buf },
    };
  }
}
