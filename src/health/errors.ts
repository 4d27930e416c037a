import { LvsError } from '../core/index.js';

/**
 * The health-check error catalogue. A failed check is not an error (it is a CheckResult);
 * these are for broken invariants and configuration that normalisation refuses.
 */
export class HealthConfigError extends LvsError {
  /** Each issue names the field of the check (zod-style path) and what is wrong with it. */
  readonly issues: readonly ProbeIssue[];

  constructor(issues: readonly ProbeIssue[]) {
    super('LVS_HEALTH_CONFIG_INVALID', `invalid health check: ${issues.map(formatIssue).join('; ')}`);
    this.issues = issues;
  }
}

/** A checker adapter could not run at all (for example no raw socket for PING). */
export class HealthCheckerError extends LvsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('LVS_HEALTH_CHECKER', message, options);
  }
}

/** One problem found while normalising a check. */
export interface ProbeIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
  /** True when the input may become valid without an edit (a Secret not yet present). */
  readonly transient: boolean;
}

function formatIssue(issue: ProbeIssue): string {
  return issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message;
}
