/**
 * A user-supplied value cut to a readable length for an error message or a log line: at most
 * `max` characters, the cut marked with "…" and the full length, so a megabyte of hostile
 * input never reaches a message whole.
 */
export function cutText(text: string, max = 64): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}…(${text.length} characters)`;
}
