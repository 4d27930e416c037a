/** Longest part of a user-supplied value that an error message repeats. */
export const QUOTED_MAX_CHARS = 64;

/**
 * A user-supplied value for an error message: in double quotes, control characters escaped
 * (JSON's escapes, so a terminal or a log line is not garbled), cut to `max` characters with
 * "…" so that a hostile 100 kB value does not end up in every log line and condition.
 */
export function quoted(value: string, max = QUOTED_MAX_CHARS): string {
  const cut = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(cut);
}
