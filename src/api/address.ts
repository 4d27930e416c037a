import ipaddr from 'ipaddr.js';

export type Family = 4 | 6;

export interface ParsedIP {
  readonly family: Family;
  /** Canonical text: dotted quad, or RFC 5952 compressed IPv6. */
  readonly text: string;
  readonly bytes: Uint8Array;
}

/** An IPv4 or IPv6 address in canonical form, or undefined. IPv4 must be a full dotted quad. */
export function parseIP(text: string): ParsedIP | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) {
    const a = ipaddr.IPv4.parse(text);
    return { family: 4, text: a.toString(), bytes: Uint8Array.from(a.toByteArray()) };
  }
  if (text.includes(':') && ipaddr.IPv6.isValid(text) && !text.includes('%')) {
    const a = ipaddr.IPv6.parse(text);
    return { family: 6, text: a.toRFC5952String(), bytes: Uint8Array.from(a.toByteArray()) };
  }
  return undefined;
}

export interface ParsedPrefix {
  readonly ip: ParsedIP;
  readonly prefixLength: number;
}

/**
 * "10.0.0.1/24", "2001:db8::1/64", or a bare address (a host prefix: /32 or /128, as
 * keepalived assumes for a virtual_ipaddress without a mask).
 */
export function parseAddressWithPrefix(text: string): ParsedPrefix | undefined {
  const slash = text.indexOf('/');
  const ip = parseIP(slash < 0 ? text : text.slice(0, slash));
  if (!ip) return undefined;
  const max = ip.family === 4 ? 32 : 128;
  if (slash < 0) return { ip, prefixLength: max };
  const lenText = text.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(lenText)) return undefined;
  const prefixLength = Number(lenText);
  return prefixLength <= max ? { ip, prefixLength } : undefined;
}

/** True for an IPv4 or IPv6 address. */
export function isIP(text: string): boolean {
  return parseIP(text) !== undefined;
}

/** "ip:port" with IPv6 in brackets, as ipvsadm and URLs write it. */
export function formatHostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
