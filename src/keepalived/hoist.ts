import { isDeepStrictEqual } from 'node:util';
import type { VirtualServerSpecInput } from './model.js';

/**
 * Moves settings that every real server of a service shares up to the service: the health
 * checks (the service default in the API) and inhibit_on_failure. The meaning is unchanged,
 * since a real server without its own takes the service's; the manifest gets shorter.
 */
export function hoistSharedSettings(spec: VirtualServerSpecInput): VirtualServerSpecInput {
  const rss = spec.realServers;
  if (!rss || rss.length === 0 || spec.healthChecks !== undefined) return spec;
  let out = spec;
  const first = rss[0]?.healthChecks;
  if (first !== undefined && rss.every((rs) => isDeepStrictEqual(rs.healthChecks, first))) {
    out = { ...out, healthChecks: first, realServers: rss.map(({ healthChecks: _h, ...rest }) => rest) };
  }
  const servers = out.realServers ?? [];
  if (out.inhibitOnFailure === undefined && servers.every((rs) => rs.inhibitOnFailure === true)) {
    out = { ...out, inhibitOnFailure: true, realServers: servers.map(({ inhibitOnFailure: _i, ...rest }) => rest) };
  }
  return reorder(out);
}

/** Real servers last, after the settings that apply to them. */
function reorder(spec: VirtualServerSpecInput): VirtualServerSpecInput {
  const { realServers, ...rest } = spec;
  return realServers ? { ...rest, realServers } : rest;
}
