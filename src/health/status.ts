/**
 * Pure: a real server's health as the VirtualServer status shows it
 * (`status.realServers[]` of src/api/virtual-server.ts): state, programmed weight, the reason
 * of the failing check, since when, and the last check latency in seconds.
 */
import type { VirtualServerStatus } from '../api/index.js';
import type { RealServerHealth } from './monitor.js';

/** One entry of VirtualServerStatus.realServers. */
export type RealServerStatusEntry = NonNullable<VirtualServerStatus['realServers']>[number];

/** Longest reason written to status (the schema's bound). */
const MAX_REASON = 1024;

/**
 * The status entry of one real server as seen by `director`. `weight` is the weight the
 * destination has in the plan (0 when inhibited or absent).
 */
export function realServerStatusEntry(
  server: { readonly address: string; readonly port: number },
  health: RealServerHealth,
  director: string,
  weight: number,
): RealServerStatusEntry {
  const reason = health.reason !== undefined ? `${health.reason}: ${health.detail ?? ''}`.trim() : undefined;
  return {
    address: server.address,
    port: server.port,
    director,
    health: health.state,
    weight,
    ...(reason !== undefined ? { reason: reason.slice(0, MAX_REASON) } : {}),
    since: new Date(health.sinceMs).toISOString(),
    ...(health.latencyMs !== undefined ? { latencySeconds: Math.round(health.latencyMs) / 1000 } : {}),
  };
}
