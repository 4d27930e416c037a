import { isDeepStrictEqual } from 'node:util';
import { inKeyOrder } from './key-order.js';
import type { VirtualServerSpecInput } from './model.js';

/**
 * Moves settings that every real server of a service shares up to the service: the health
 * checks (the service default in the API) and inhibit_on_failure. The meaning is unchanged,
 * since a real server without its own takes the service's; the manifest gets shorter.
 */
export function hoistSharedSettings(spec: VirtualServerSpecInput): VirtualServerSpecInput {
  const rss = spec.realServers;
  if (!rss || rss.length === 0 || spec.healthChecks !== undefined) return inKeyOrder(spec, SPEC_KEY_ORDER);
  let out = spec;
  const first = rss[0]?.healthChecks;
  if (first !== undefined && rss.every((rs) => isDeepStrictEqual(rs.healthChecks, first))) {
    out = { ...out, healthChecks: first, realServers: rss.map(({ healthChecks: _h, ...rest }) => rest) };
  }
  const servers = out.realServers ?? [];
  if (out.inhibitOnFailure === undefined && servers.every((rs) => rs.inhibitOnFailure === true)) {
    out = { ...out, inhibitOnFailure: true, realServers: servers.map(({ inhibitOnFailure: _i, ...rest }) => rest) };
  }
  return inKeyOrder(out, SPEC_KEY_ORDER);
}

/** The field order of a written VirtualServer spec, so that equal specs render as equal text. */
const SPEC_KEY_ORDER: readonly (keyof VirtualServerSpecInput)[] = [
  'addresses',
  'fwmark',
  'family',
  'protocol',
  'scheduler',
  'schedulerFlags',
  'onePacket',
  'forwarding',
  'tunnel',
  'persistence',
  'vrrpGroupRef',
  'programOn',
  'healthChecks',
  'inhibitOnFailure',
  'sorryServer',
  'quorum',
  'hysteresis',
  'notify',
  'alpha',
  'omega',
  'haSuspend',
  'realServerSelector',
  'realServers',
];
