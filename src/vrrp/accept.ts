/**
 * Pure receive checks of RFC 5798 §7.1 (RFC 3768 §7.1 for v2) that depend on the instance:
 * TTL, version, VRID, authentication, interval, address list, unicast peers. The order and the
 * exceptions follow keepalived's vrrp_check_packet.
 */
import { sameIp } from '../net/ip-codec.js';
import { VRRP_AUTH_LEN, VRRP_AUTH_NONE, VRRP_AUTH_PASS, VRRP_IP_TTL } from './constants.js';
import type { Advert, DropReason, ReceivedMeta, VrrpInstanceConfig } from './types.js';

function expectedAuth(cfg: VrrpInstanceConfig): { type: number; data: Uint8Array } {
  const data = new Uint8Array(VRRP_AUTH_LEN);
  if (cfg.auth.type === 'none') return { type: VRRP_AUTH_NONE, data };
  data.set(new TextEncoder().encode(cfg.auth.password).subarray(0, VRRP_AUTH_LEN));
  return { type: VRRP_AUTH_PASS, data };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  // Compare every byte whatever the outcome, as keepalived's memcmp_constant_time does.
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.min(a.length, b.length); i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/**
 * Returns why `advert` must be dropped by instance `cfg`, or undefined when it is acceptable.
 * The caller has already dispatched on the VRID.
 */
export function checkAdvert(cfg: VrrpInstanceConfig, advert: Advert, meta: ReceivedMeta): DropReason | undefined {
  const unicast = cfg.unicastPeers.length > 0;
  // RFC 5798 §7.1: the TTL / hop limit MUST be 255; keepalived skips this for unicast peers.
  if (!unicast && meta.ttl !== undefined && meta.ttl !== VRRP_IP_TTL) return 'bad_ttl';
  if (advert.version !== cfg.version) return 'version_mismatch';
  if (advert.vrid !== cfg.vrid) return 'unknown_vrid';
  if (advert.version === 2) {
    const want = expectedAuth(cfg);
    if (advert.authType !== want.type) return 'auth_type_mismatch';
    if (want.type === VRRP_AUTH_PASS && !sameBytes(advert.authData ?? new Uint8Array(), want.data)) {
      return 'auth_failure';
    }
    // RFC 3768 §7.1: the Adver Interval MUST match the local one, else discard.
    if (advert.advertIntervalMs !== Math.round(cfg.advertIntervalMs / 1000) * 1000) return 'interval_mismatch';
  }
  // keepalived: a multicast advert on a unicast instance (or the reverse) is dropped.
  if (meta.destination !== undefined && isMulticast(meta.destination) === unicast) return 'unicast_mismatch';
  if (unicast && !cfg.unicastPeers.some((p) => sameIp(p, meta.source))) return 'unknown_peer';
  // RFC 5798 §7.1 MAY verify the address list; keepalived does, and so do we.
  if (advert.addresses.length !== cfg.virtualIPs.length) return 'address_list_mismatch';
  for (const vip of cfg.virtualIPs) {
    if (!advert.addresses.some((a) => sameIp(a, vip.address))) return 'address_list_mismatch';
  }
  return undefined;
}

/** True for IPv4 224.0.0.0/4 and IPv6 ff00::/8. */
export function isMulticast(address: string): boolean {
  if (address.includes(':')) return address.toLowerCase().startsWith('ff');
  const first = Number(address.split('.')[0]);
  return first >= 224 && first <= 239;
}
