/**
 * Pure: judges one HTTP response against one `url` block, in keepalived's order
 * (check_http.c, http_handle_response): status code, then digest, then regex.
 */
import { createHash } from 'node:crypto';
import type { HttpResponse } from './http-response.js';
import type { FailureReason, HttpUrl } from './types.js';

/** Whether a url block passed, and why not. */
export type UrlVerdict =
  { readonly ok: true } | { readonly ok: false; readonly reason: FailureReason; readonly detail: string };

/** Whether the response satisfies the url block. */
export function judgeHttpResponse(url: HttpUrl, response: HttpResponse): UrlVerdict {
  const status = response.status;
  if (!url.statusCodes.some((r) => status >= r.from && status <= r.to)) {
    return { ok: false, reason: 'status', detail: `status ${status}` };
  }
  if (url.digest !== undefined) {
    // genhash: the MD5 of the body only, as lower-case hex.
    const digest = createHash('md5').update(response.body).digest('hex');
    if (digest !== url.digest) return { ok: false, reason: 'digest', detail: `digest ${digest}` };
  }
  if (url.regex !== undefined) {
    // keepalived uses PCRE2; JavaScript regular expressions share its common syntax.
    // Normalisation has checked that it compiles.
    const matched = new RegExp(url.regex).test(response.body.toString('latin1'));
    if (matched === url.regexNoMatch) {
      return { ok: false, reason: 'regex', detail: url.regexNoMatch ? 'regex matched' : 'regex did not match' };
    }
  }
  return { ok: true };
}
