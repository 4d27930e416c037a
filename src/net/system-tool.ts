/**
 * How this program runs a system tool (`ip`, `nft`, `iptables`, `ss`) through the one
 * {@link ProcessRunner}: a request of kind `system` (the command policy is for objects'
 * commands), LC_ALL=C so the error texts adapters match are the C locale's, both outputs
 * captured, standard input a pipe (empty unless given: `nft -f -` reads its script there), and
 * SIGKILL to the group past the timeout: a tool has no cleanup worth a grace period.
 */
import type { ProcessRequest, ProcessResult } from './process-runner.js';

/** A tool that has not answered in 10 s is stuck (an `xtables` lock held, a hung netlink dump). */
export const SYSTEM_TOOL_TIMEOUT_MS = 10_000;
/** `ip -d -j link show` and `nft -j list` of a large table stay well under this. */
export const SYSTEM_TOOL_MAX_OUTPUT_BYTES = 64 << 20;

/** The request that runs `argv` as a system tool. */
export function systemToolRequest(
  argv: readonly string[],
  opts: { readonly input?: string; readonly timeoutMs?: number } = {},
): ProcessRequest {
  return {
    kind: 'system',
    argv,
    timeoutMs: opts.timeoutMs ?? SYSTEM_TOOL_TIMEOUT_MS,
    killGraceMs: 0,
    env: { LC_ALL: 'C' },
    input: opts.input ?? '',
    captureOutput: true,
    maxOutputBytes: SYSTEM_TOOL_MAX_OUTPUT_BYTES,
  };
}

/** Whether the tool ran and exited 0. */
export function toolSucceeded(r: ProcessResult): r is ProcessResult & { kind: 'exited'; exitCode: 0 } {
  return r.kind === 'exited' && r.exitCode === 0;
}
