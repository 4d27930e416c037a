/**
 * Which addresses make sense in which field. An address field has a role; each role refuses
 * the address classes that cannot work for it, with a message that names the value and the
 * reason ("127.0.0.1 is a loopback address; a VIP must be ..."). One table drives both
 * enforcements, as rules.ts does for cross-field rules: the zod check (every entry point:
 * lvsctl validate, the manifest folder, the importer, and the director's kube source, which
 * validates every object again whatever CRD let it in) and the CRD's CEL rules on the field
 * (Kubernetes 1.30+ IP/CIDR library), with the same words.
 */
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { clip } from '../core/index.js';
import { parseIP, type ParsedIP } from './address.js';

/**
 * - `vip`: a VirtualServer address (IPVS service).
 * - `vrrpVip`: a VrrpGroup virtual IP with an optional prefix length; IPv6 link-local is
 *   allowed (RFC 5798 §5.2.9 wants one as the first IPv6 address).
 * - `peer`: a unicast peer or advert source.
 * - `backend`: a real server or sorry server; loopback is allowed (IPVS "local node").
 */
export type AddressRole = 'vip' | 'vrrpVip' | 'peer' | 'backend';

const PURPOSE: Record<AddressRole, string> = {
  vip: 'a VIP must be a unicast address that clients can reach',
  vrrpVip: 'a VIP must be a unicast address reachable on the interface',
  peer: 'a VRRP peer or source must be a unicast address',
  backend: 'a real server must be a unicast address',
};

/** Longest accepted text: an IPv6 address (45) with a prefix length (/128). */
const MAX_LENGTH: Record<AddressRole, number> = { vip: 45, vrrpVip: 49, peer: 45, backend: 45 };

const GENERIC: Record<AddressRole, string> = {
  vip: 'must be an IPv4 or IPv6 address, e.g. 192.0.2.10 or 2001:db8::10',
  vrrpVip: 'must be an IPv4 or IPv6 address with an optional prefix length, e.g. 192.0.2.10/24',
  peer: 'must be an IPv4 or IPv6 address, e.g. 192.0.2.10 or 2001:db8::10',
  backend: 'must be an IPv4 or IPv6 address, e.g. 192.0.2.10 or 2001:db8::10',
};

/** An address with the prefix length written after it, if any. */
interface Written {
  readonly ip: ParsedIP;
  readonly prefixLength: number | undefined;
}

/** A class of address a role refuses. `cel` is true when the address is in the class. */
interface ClassRule {
  readonly roles: readonly AddressRole[];
  readonly says: string;
  readonly is: (a: Written) => boolean;
  /** Over `A` (the address, an IP value) and `self`; undefined: not expressible in CEL. */
  readonly cel: string | undefined;
}

const bytesOf = (a: Written) => a.ip.bytes;
const isV4 = (a: Written) => a.ip.family === 4;
const range = (a: Written) => ipaddr.fromByteArray([...a.ip.bytes]).range();
const hostBits = (a: Written, set: boolean): boolean => {
  const p = a.prefixLength ?? 0;
  return [...bytesOf(a)].every((b, i) => {
    const keep = Math.max(0, Math.min(8, p - i * 8));
    const mask = (0xff >> keep) & 0xff;
    return (b & mask) === (set ? mask : 0);
  });
};
const maxPrefixForNetwork = (a: Written) => (isV4(a) ? 30 : 126);

const ALL: readonly AddressRole[] = ['vip', 'vrrpVip', 'peer', 'backend'];
const BROADCAST = "A == ip('255.255.255.255')";

/** In order: the first class that matches is the one reported. */
const CLASS_RULES: readonly ClassRule[] = [
  {
    roles: ALL,
    says: 'is the unspecified address',
    is: (a) => bytesOf(a).every((b) => b === 0),
    cel: 'A.isUnspecified()',
  },
  { roles: ALL, says: 'is the broadcast address', is: (a) => a.ip.text === '255.255.255.255', cel: BROADCAST },
  {
    roles: ALL,
    says: 'is a multicast address',
    is: (a) => range(a) === 'multicast',
    // Go's IsGlobalUnicast (the CEL library's) leaves out exactly these classes and multicast.
    cel: `!A.isGlobalUnicast() && !A.isUnspecified() && !A.isLoopback() && !A.isLinkLocalUnicast() && !(${BROADCAST})`,
  },
  {
    roles: ['vip', 'vrrpVip', 'peer'],
    says: 'is a loopback address',
    is: (a) => range(a) === 'loopback',
    cel: 'A.isLoopback()',
  },
  {
    roles: ['vip'],
    says: 'is a link-local address',
    is: (a) => range(a) === 'linkLocal',
    cel: 'A.isLinkLocalUnicast()',
  },
  {
    roles: ['vrrpVip'],
    says: 'is an IPv4 link-local address',
    is: (a) => isV4(a) && range(a) === 'linkLocal',
    cel: 'A.family() == 4 && A.isLinkLocalUnicast()',
  },
  {
    roles: ['vrrpVip'],
    says: 'is the subnet-router anycast address of fe80::/64 (RFC 4291 §2.6.1)',
    is: (a) => a.ip.text === 'fe80::',
    cel: "A == ip('fe80::')",
  },
  {
    roles: ['vrrpVip'],
    says: 'has prefix length 0, which would put every address on-link',
    is: (a) => a.prefixLength === 0,
    cel: "self.contains('/') && cidr(self).prefixLength() == 0",
  },
  {
    roles: ['vrrpVip'],
    says: 'is the network address of its prefix',
    is: (a) =>
      a.prefixLength !== undefined &&
      a.prefixLength > 0 &&
      a.prefixLength <= maxPrefixForNetwork(a) &&
      hostBits(a, false),
    cel: "self.contains('/') && cidr(self).prefixLength() > 0 && cidr(self).prefixLength() <= (A.family() == 4 ? 30 : 126) && cidr(self).masked().ip() == A",
  },
  {
    roles: ['vrrpVip'],
    says: 'is the broadcast address of its prefix',
    is: (a) =>
      isV4(a) && a.prefixLength !== undefined && a.prefixLength > 0 && a.prefixLength <= 30 && hostBits(a, true),
    // The CEL library has no address arithmetic: the API server lets this one through and
    // every other entry point (lvsctl validate, the agents) refuses it.
    cel: undefined,
  },
];

const LEADING_ZERO = /(^|\.)0[0-9]/;

/** Why text is not an address at all, as precisely as the text allows. */
function syntaxProblem(text: string, role: AddressRole): string {
  if (text !== text.trim()) return `"${clip(text)}" has leading or trailing whitespace`;
  if (text.includes('%'))
    return `${clip(text)} has a zone id; zone ids are not allowed (the interface has its own field)`;
  if (text.toLowerCase().startsWith('::ffff:'))
    return `${clip(text)} is an IPv4-mapped IPv6 address; write it as an IPv4 address`;
  if (!text.includes(':') && LEADING_ZERO.test(text)) {
    return `${clip(text)} has a leading zero in an IPv4 octet (some tools read it as octal); write it without`;
  }
  return GENERIC[role];
}

/** The address (and written prefix length) of text, or undefined when it does not parse. */
function parseWritten(text: string, role: AddressRole): Written | undefined {
  const slash = role === 'vrrpVip' ? text.indexOf('/') : -1;
  const ip = parseIP(slash < 0 ? text : text.slice(0, slash));
  if (!ip) return undefined;
  // ipaddr.js parses the IPv4-mapped form as IPv6; the API server's isIP refuses it.
  if (
    ip.family === 6 &&
    ip.bytes.slice(0, 10).every((b) => b === 0) &&
    ip.bytes[10] === 0xff &&
    ip.bytes[11] === 0xff
  ) {
    return undefined;
  }
  if (slash < 0) return { ip, prefixLength: undefined };
  const lenText = text.slice(slash + 1);
  // No leading zeros, as Go's netip.ParsePrefix (the API server's cidr()).
  if (!/^(0|[1-9][0-9]{0,2})$/.test(lenText)) return undefined;
  const prefixLength = Number(lenText);
  return prefixLength <= (ip.family === 4 ? 32 : 128) ? { ip, prefixLength } : undefined;
}

/** The problem with an address in a field of this role, or undefined when it is fine. */
export function addressProblem(text: string, role: AddressRole): string | undefined {
  const written = parseWritten(text, role);
  if (!written) return syntaxProblem(text, role);
  const bad = CLASS_RULES.find((r) => r.roles.includes(role) && r.is(written));
  return bad ? `${text} ${bad.says}; ${PURPOSE[role]}` : undefined;
}

/** A CRD validation rule on a string field: the rule and the message built from the value. */
interface FieldValidation {
  rule: string;
  message: string;
  messageExpression: string;
}

const celString = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** The CEL rules of a role, with the messages {@link addressProblem} gives. */
export function addressValidations(role: AddressRole): FieldValidation[] {
  const parses = role === 'vrrpVip' ? "(self.contains('/') ? isCIDR(self) : isIP(self))" : 'isIP(self)';
  const addr = role === 'vrrpVip' ? "(self.contains('/') ? cidr(self).ip() : ip(self))" : 'ip(self)';
  const syntax: FieldValidation = {
    rule: parses,
    message: GENERIC[role],
    messageExpression: [
      `self != self.trim() ? '"' + self + ${celString('" has leading or trailing whitespace')}`,
      `self.contains('%') ? self + ${celString(' has a zone id; zone ids are not allowed (the interface has its own field)')}`,
      `self.lowerAscii().startsWith('::ffff:') ? self + ${celString(' is an IPv4-mapped IPv6 address; write it as an IPv4 address')}`,
      `!self.contains(':') && self.matches('(^|\\\\.)0[0-9]') ? self + ${celString(' has a leading zero in an IPv4 octet (some tools read it as octal); write it without')}`,
      celString(GENERIC[role]),
    ].join(' : '),
  };
  const classes = CLASS_RULES.filter((r) => r.roles.includes(role) && r.cel !== undefined).map((r) => ({
    rule: `!${parses} || !(${(r.cel ?? '').replace(/\bA\b/g, addr)})`,
    message: `${r.says}; ${PURPOSE[role]}`,
    messageExpression: `self + ${celString(` ${r.says}; ${PURPOSE[role]}`)}`,
  }));
  return [syntax, ...classes];
}

/** A string field holding an address of this role, checked by zod and by the CRD alike. */
export const addressOf = (role: AddressRole) =>
  z
    .string()
    .max(MAX_LENGTH[role])
    .superRefine((text, ctx) => {
      // Too long is already reported by max(); the text is not worth parsing.
      if (text.length > MAX_LENGTH[role]) return;
      const problem = addressProblem(text, role);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    })
    .meta({ 'x-kubernetes-validations': addressValidations(role) });
