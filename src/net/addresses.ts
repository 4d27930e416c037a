/** An address on an interface, as listed by the kernel. */
export interface AddressEntry {
  readonly ifindex: number;
  readonly family: 4 | 6;
  /** Canonical text form. */
  readonly address: string;
  readonly prefixLength: number;
  /** IPv4 label (IFA_LABEL); IPv6 addresses have none. */
  readonly label?: string;
  readonly secondary: boolean;
  /** RT_SCOPE_*: 0 universe, 253 link, 254 host. */
  readonly scope: number;
}

/** An address to add or remove. */
export interface AddressSpec {
  readonly ifindex: number;
  readonly address: string;
  readonly prefixLength: number;
  /** IPv4 only; must start with the interface name and fit in 15 bytes. */
  readonly label?: string;
}

/**
 * The address port. `add` succeeds when the address is already there, `remove` when it is
 * already gone (idempotence mapped in the adapter, as keepalived's ipvs_talk does for IPVS).
 */
export interface Addresses {
  list(filter?: { readonly ifindex?: number }): Promise<AddressEntry[]>;
  /**
   * Resolves true when this call created the address, false when it was already there (then
   * it is not the caller's to remove: someone else, or an earlier call, put it there).
   */
  add(spec: AddressSpec): Promise<boolean>;
  /**
   * With an IPv4 `label`, only an address carrying that label is removed: the kernel matches
   * IFA_LABEL on RTM_DELADDR (inet_rtm_deladdr), so an unlabelled address of the same value
   * (the node's own) is left alone.
   */
  remove(spec: AddressSpec): Promise<void>;
  /**
   * Deletes this node's neighbour (ARP / NDP) entry for the address on the interface, so the
   * next packet to it resolves afresh; succeeds when there is none.
   */
  forgetNeighbour(spec: AddressSpec): Promise<void>;
}

/** IFNAMSIZ - 1: the longest interface name or address label. */
export const IFNAMSIZ_MAX = 15;

/**
 * The label `<iface>:<tag>` that marks addresses we own, or undefined when it would not fit
 * the kernel's 15 bytes (the address is then added unlabelled).
 */
export function ownerLabel(iface: string, tag: string): string | undefined {
  const label = `${iface}:${tag}`;
  return label.length <= IFNAMSIZ_MAX ? label : undefined;
}

/** The primary address of a family on an interface: the first non-secondary, global or link scope. */
export function primaryAddress(entries: readonly AddressEntry[], family: 4 | 6): AddressEntry | undefined {
  const candidates = entries.filter((e) => e.family === family && !e.secondary);
  // RFC 5798 §5.1.2.1: VRRPv3 over IPv6 is sent from the link-local address.
  if (family === 6) return candidates.find((e) => e.scope === 253);
  return candidates.find((e) => e.scope === 0) ?? candidates[0];
}
