import { LvsError } from '../core/index.js';

/** Exit codes of every command: 0 ok, 1 failure, 2 usage. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A command-line mistake: exits 2 with the message and no stack trace. */
export class UsageError extends LvsError {
  constructor(message: string) {
    super('LVS_USAGE', message);
  }
}

/** A failure the command already explained to the user: exits 1 quietly. */
export class ReportedFailure extends LvsError {
  constructor(message = 'failed') {
    super('LVS_REPORTED', message);
  }
}
