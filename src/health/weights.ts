/**
 * Health -> weights: which destinations a service should have, given the health of its real
 * servers. Pure; the director feeds the result to the IPVS reconciler. The semantics are
 * keepalived's (keepalived/check/ipwrapper.c: perform_svr_state, update_quorum_state,
 * perform_quorum_state, update_svr_wgt).
 */
import type { WeightEffect } from './types.js';

/** One real server of a service as the plan sees it. */
export interface PlannedRealServer {
  /** Identity of the real server within the service (the caller's key). */
  readonly id: string;
  readonly address: string;
  readonly port: number;
  /** Effective weight while up (configured weight with check effects applied). */
  readonly weight: number;
  /** Down servers stay at weight 0 instead of being removed (inhibit_on_failure). */
  readonly inhibitOnFailure: boolean;
  readonly up: boolean;
}

/** The sorry_server of a service. */
export interface SorryServer {
  readonly address: string;
  readonly port: number;
  /** Keep it in the table at weight 0 while it is not needed (sorry_server_inhibit). */
  readonly inhibit: boolean;
}

/** The input of {@link planWeights}: one service and the health of its real servers. */
export interface ServiceHealth {
  readonly realServers: readonly PlannedRealServer[];
  readonly quorum: number;
  readonly hysteresis: number;
  readonly sorryServer?: SorryServer;
  /** Quorum state from the previous plan; undefined on the first plan after a start. */
  readonly quorumUp?: boolean;
}

/** A destination to program: a real server or the sorry server. */
export interface PlannedDestination {
  /** The real server's id, or {@link SORRY_SERVER_ID}. */
  readonly id: string;
  readonly address: string;
  readonly port: number;
  readonly weight: number;
}

/** The id of the sorry server among planned destinations. */
export const SORRY_SERVER_ID = 'sorry-server';

/** The output of {@link planWeights}. */
export interface WeightPlan {
  readonly destinations: readonly PlannedDestination[];
  readonly quorumUp: boolean;
  /** Set when this plan changed the quorum state (notify quorum_up / quorum_down). */
  readonly quorumChange?: 'gained' | 'lost';
  /** Sum of the weights of the up servers, compared against quorum. */
  readonly aliveWeight: number;
}

/** Largest IPVS weight (the kernel takes a signed 32-bit weight; keepalived's IPVS_WEIGHT_LIMIT). */
const WEIGHT_LIMIT = 2_147_483_647;

/**
 * The effective weight of a server whose checks pass: the configured weight, replaced by a
 * misc_dynamic weight, plus FILE_CHECK deltas, clamped at 0 (check_data.h real_weight).
 */
export function effectiveWeight(configured: number, effects: readonly WeightEffect[]): number {
  let base = configured;
  let delta = 0;
  for (const e of effects) {
    if (e.kind === 'set') base = e.weight;
    else delta += e.delta;
  }
  return Math.min(WEIGHT_LIMIT, Math.max(0, base + delta));
}

/** The destinations of one service. */
export function planWeights(service: ServiceHealth): WeightPlan {
  const aliveWeight = service.realServers.reduce((sum, rs) => sum + (rs.up ? rs.weight : 0), 0);
  const quorumUp = nextQuorumState(service, aliveWeight);
  const previous = service.quorumUp;
  const quorumChange =
    previous === undefined || previous === quorumUp ? undefined : quorumUp ? ('gained' as const) : ('lost' as const);
  // perform_quorum_state: with a sorry server and no quorum, the alive servers leave the pool
  // and the sorry server takes the traffic; inhibited down servers stay at weight 0.
  const sorryActive = !quorumUp && service.sorryServer !== undefined;

  const destinations: PlannedDestination[] = [];
  for (const rs of service.realServers) {
    const dest = { id: rs.id, address: rs.address, port: rs.port };
    if (rs.up && !sorryActive) destinations.push({ ...dest, weight: rs.weight });
    else if (!rs.up && rs.inhibitOnFailure) destinations.push({ ...dest, weight: 0 });
    else if (rs.up && sorryActive && rs.inhibitOnFailure) destinations.push({ ...dest, weight: 0 });
  }
  const sorry = service.sorryServer;
  if (sorry && (sorryActive || sorry.inhibit)) {
    destinations.push({ id: SORRY_SERVER_ID, address: sorry.address, port: sorry.port, weight: sorryActive ? 1 : 0 });
  }
  return { destinations, quorumUp, aliveWeight, ...(quorumChange ? { quorumChange } : {}) };
}

/**
 * update_quorum_state: quorum is gained at quorum + hysteresis and lost below
 * quorum - hysteresis (or at 0); in between the previous state holds. At start
 * (set_quorum_states) it is up when the alive weight reaches quorum + hysteresis.
 */
function nextQuorumState(service: ServiceHealth, aliveWeight: number): boolean {
  const { quorum, hysteresis, quorumUp } = service;
  if (quorumUp === undefined) return aliveWeight >= quorum + hysteresis;
  if (quorumUp) return !(aliveWeight === 0 || aliveWeight < quorum - hysteresis);
  return aliveWeight >= quorum + hysteresis;
}
