/**
 * The root of every error the project throws. `code` is stable and what tests and callers
 * match on (fastify's error catalogue is the model); the message is for humans.
 */
export class LvsError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Exhaustiveness guard for discriminated unions: a new variant fails to compile here. */
export function assertNever(value: never, what = 'value'): never {
  throw new LvsError('LVS_INTERNAL', `unexpected ${what}: ${JSON.stringify(value)}`);
}

/** A readable message from anything thrown. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
