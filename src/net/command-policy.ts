/**
 * Pure: which programs a runner may start. In a cluster every VirtualServer, RealServer and
 * VrrpGroup is a tenant's object, and the director runs as root with the host's network: a
 * command from such an object runs only when its program is on the allowlist that the cluster
 * admin gives the director (`--allow-command`). Standalone reads a root-owned folder and keeps
 * keepalived's behaviour: every command runs. Either way an argv that execve cannot carry
 * (argvProblem) never reaches spawn.
 */
import { posix } from 'node:path';
import { argvProblem } from '../api/index.js';
import { quoted } from '../core/index.js';

/** Who may run what. */
export type CommandPolicy =
  /** Standalone: the manifests are root's, every valid argv runs (PATH is searched for bare names). */
  | { readonly mode: 'any' }
  /** Cluster: argv[0] must be one of these absolute, normalised paths, matched exactly. */
  | { readonly mode: 'allowlist'; readonly programs: ReadonlySet<string> };

/** Why a command is not run; `reason` is a bounded label value. */
export interface CommandRefusal {
  readonly reason: 'invalid-argv' | 'not-absolute' | 'not-normalised' | 'not-allowed' | 'insecure';
  /** Names the program (quoted and cut) and the rule. */
  readonly message: string;
}

export const ANY_COMMAND: CommandPolicy = { mode: 'any' };

/** The cluster policy over already parsed allowlist entries (see {@link parseAllowedProgram}). */
export function allowlistPolicy(programs: Iterable<string>): CommandPolicy {
  return { mode: 'allowlist', programs: new Set(programs) };
}

/** Why `path` is not an absolute, normalised program path ("/a/b", no "." or ".." segment, no "//", no trailing "/"). */
function pathProblem(path: string): CommandRefusal['reason'] | undefined {
  if (!path.startsWith('/')) return 'not-absolute';
  if (path.endsWith('/') || posix.normalize(path) !== path) return 'not-normalised';
  return undefined;
}

/** Whether the policy lets `argv` run; undefined when it does. */
export function refusalOf(policy: CommandPolicy, argv: readonly string[]): CommandRefusal | undefined {
  const bad = argvProblem(argv);
  if (bad) return { reason: 'invalid-argv', message: `argument ${bad.index}: ${bad.message}` };
  if (policy.mode === 'any') return undefined;
  const program = argv[0] ?? '';
  const shown = quoted(program);
  switch (pathProblem(program)) {
    case 'not-absolute':
      return { reason: 'not-absolute', message: `program ${shown} is not an absolute path` };
    case 'not-normalised':
      return {
        reason: 'not-normalised',
        message: `program ${shown} is not a normalised path (no ".", "..", "//" or trailing "/")`,
      };
    case undefined:
      break;
  }
  if (policy.programs.has(program)) return undefined;
  return {
    reason: 'not-allowed',
    message: `program ${shown} is not allowed on this director (the cluster admin allows programs with --allow-command)`,
  };
}

/** An allowlist entry from a flag or the chart: an absolute, normalised path without control characters. */
export function parseAllowedProgram(text: string): { ok: true; program: string } | { ok: false; message: string } {
  const bad = argvProblem([text]);
  if (bad) return { ok: false, message: `${quoted(text)}: ${bad.message}` };
  const problem = pathProblem(text);
  if (problem === 'not-absolute') return { ok: false, message: `${quoted(text)} is not an absolute path` };
  if (problem === 'not-normalised') {
    return { ok: false, message: `${quoted(text)} is not a normalised path (no ".", "..", "//" or trailing "/")` };
  }
  return { ok: true, program: text };
}
