/** Longest user-supplied value that a message echoes whole. */
export const CLIP_LENGTH = 80;

/**
 * Cuts a user-supplied value to a readable length for an error or log message: the first
 * `max` characters and how many more there were ("abc… (+9999990 characters)"). A hostile
 * 10 MB name must not become a 10 MB log line. Control characters are escaped so that a value
 * cannot forge a second line of output.
 */
export function clip(value: string, max = CLIP_LENGTH): string {
  const head = value.length > max ? value.slice(0, max) : value;
  // eslint-disable-next-line no-control-regex -- escaping control characters is the point
  const safe = head.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return value.length > max ? `${safe}… (+${value.length - max} characters)` : safe;
}

/**
 * A clipped value in double quotes, its own quotes and backslashes escaped: for messages where
 * the value's bounds matter (a program path with spaces, an empty string).
 */
export function quoted(value: string, max = CLIP_LENGTH): string {
  return `"${clip(value.replace(/["\\]/g, '\\$&'), max)}"`;
}
