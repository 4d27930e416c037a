/**
 * Pure VRRP timer arithmetic, in milliseconds. keepalived's VRRP_TIMER_SKEW and
 * VRRP_MS_DOWN_TIMER macros are the models.
 */
import { VRRP_DOWN_TIMER_ADVERTS } from './constants.js';
import type { VrrpVersion } from './types.js';

/**
 * Skew_Time. v2 (RFC 3768 §6.1): (256 - Priority) / 256 seconds, independent of the interval.
 * v3 (RFC 5798 §6.1): ((256 - Priority) * Master_Adver_Interval) / 256.
 */
export function skewTimeMs(version: VrrpVersion, priority: number, masterAdverIntervalMs: number): number {
  const base = version === 2 ? 1000 : masterAdverIntervalMs;
  return ((256 - priority) * base) / 256;
}

/** Master_Down_Interval = 3 x Master_Adver_Interval + Skew_Time (RFC 5798 §6.1, RFC 3768 §6.1). */
export function masterDownIntervalMs(version: VrrpVersion, priority: number, masterAdverIntervalMs: number): number {
  return VRRP_DOWN_TIMER_ADVERTS * masterAdverIntervalMs + skewTimeMs(version, priority, masterAdverIntervalMs);
}
