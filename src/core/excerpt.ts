/**
 * A user-supplied value as it may appear in a message, an Event or a log line: quoted, control
 * characters escaped (a NUL or newline never reaches a terminal or a log line raw), and cut to
 * `max` characters of the value with an ellipsis, so a 4 KiB argument cannot flood a condition.
 */
export function excerpt(value: string, max = 80): string {
  const cut = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(cut);
}
