/**
 * VRRP protocol constants. Each cites the section that defines it; names follow keepalived's
 * `vrrp.h` so a grep finds both sides.
 */

/** IP protocol number of VRRP (RFC 5798 §5.2.4, RFC 3768 §5.2.4). */
export const IPPROTO_VRRP = 112;
/** TTL / hop limit of every advert, and the only one accepted (RFC 5798 §5.1.1.3, §7.1). */
export const VRRP_IP_TTL = 255;
/** IPv4 multicast group of VRRP (RFC 5798 §5.1.1.2). */
export const VRRP_MCAST_ADDR4 = '224.0.0.18';
/** IPv6 multicast group of VRRP (RFC 5798 §5.1.2.2). */
export const VRRP_MCAST_ADDR6 = 'ff02::12';
/** Type field of an ADVERTISEMENT, the only type defined (RFC 5798 §5.2.2). */
export const VRRP_PKT_ADVERT = 1;
/** Priority of the router that owns the virtual addresses (RFC 5798 §5.2.4). */
export const VRRP_PRIO_OWNER = 255;
/** Priority a stopping master sends to hand over at once (RFC 5798 §5.2.4). */
export const VRRP_PRIO_STOP = 0;
/**
 * How long a stopping master keeps its VIPs after it has seen the new master's first advert.
 * The new master sends that advert, then adds the VIPs, then its gratuitous ARPs / unsolicited
 * NAs (keepalived's vrrp_state_goto_master order, kept in machine.ts): a netlink request and a
 * burst of frames, a few milliseconds on a host and tens inside user-mode-linux. Until the
 * neighbours have switched, traffic still arrives here and is served. Not an RFC value: RFC
 * 5798 §6.4.3 releases at once and lets traffic fall on the floor for Skew_Time.
 */
export const VRRP_HANDOVER_MARGIN_MS = 200;
/** Default priority of a backup (RFC 5798 §5.2.4; keepalived's VRRP_PRIO_DFL). */
export const VRRP_PRIO_DFL = 100;
/** Adverts missed before a backup declares the master down (RFC 5798 §6.1). */
export const VRRP_DOWN_TIMER_ADVERTS = 3;
/** Fixed header length of both versions (RFC 5798 §5.1, RFC 3768 §5.1). */
export const VRRP_HEADER_LEN = 8;
/** Length of the v2 authentication data, always sent by keepalived (RFC 3768 §5.3.10). */
export const VRRP_AUTH_LEN = 8;
/** v2 Auth Type: none (RFC 3768 §5.3.6). */
export const VRRP_AUTH_NONE = 0;
/** v2 Auth Type: simple text password (RFC 2338 §5.3.6, kept by keepalived). */
export const VRRP_AUTH_PASS = 1;
/** v3 Max Adver Int is a 12-bit count of centiseconds (RFC 5798 §5.2.7). */
export const VRRP_V3_MAX_ADVER_CS = 0x0fff;
/** Largest v2 Adver Int (8 bits of seconds, RFC 3768 §5.3.7). */
export const VRRP_V2_MAX_ADVER_S = 0xff;
/** DSCP "network control" as keepalived sets it: IP TOS / IPv6 traffic class 0xc0. */
export const VRRP_TOS = 0xc0;
/** Minimum IPv4 header length (RFC 791). */
export const IPV4_HEADER_LEN = 20;
