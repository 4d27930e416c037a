import { LvsError } from '../core/index.js';

/**
 * Errors of the keepalived importer. Parsing and conversion report problems as diagnostics;
 * these are for the edges (a file that cannot be read at all) and broken invariants.
 */
export class KeepalivedSourceError extends LvsError {
  readonly path: string;

  constructor(path: string, options?: { cause?: unknown }) {
    super('LVS_KEEPALIVED_SOURCE', `cannot read ${path}`, options);
    this.path = path;
  }
}

/** The import produced errors (or warnings under --strict); the diagnostics say which. */
export class KeepalivedImportError extends LvsError {
  readonly failures: number;

  constructor(failures: number) {
    super('LVS_KEEPALIVED_IMPORT', `import failed with ${failures} problem(s)`);
    this.failures = failures;
  }
}
