/**
 * Pure: judges one HTTP response against one `url` block, in keepalived's order
 * (check_http.c, http_handle_response): status code, then digest, then regex.
 */
import { createHash } from 'node:crypto';
import { HEAD_ONLY, type BodyNeeds, type HttpResponse } from './http-response.js';
import type { FailureReason, HttpUrl } from './types.js';

/** Whether a url block passed, and why not. */
export type UrlVerdict =
  { readonly ok: true } | { readonly ok: false; readonly reason: FailureReason; readonly detail: string };

const EMPTY = Buffer.alloc(0);

/** Whether `status` is one the url block accepts. */
export function statusAccepted(url: HttpUrl, status: number): boolean {
  return url.statusCodes.some((r) => status >= r.from && status <= r.to);
}

/**
 * What a url block needs of the body of a response with `status`: nothing once the status
 * fails it (the status is judged first) or when it has neither digest nor regex.
 */
export function bodyNeeds(url: HttpUrl, status: number): BodyNeeds {
  if (!statusAccepted(url, status)) return HEAD_ONLY;
  return { digest: url.digest !== undefined, keep: url.regex !== undefined };
}

/** Whether the response satisfies the url block. */
export function judgeHttpResponse(url: HttpUrl, response: HttpResponse): UrlVerdict {
  const status = response.status;
  if (!statusAccepted(url, status)) return { ok: false, reason: 'status', detail: `status ${status}` };
  if (url.digest !== undefined) {
    // genhash: the MD5 of the body only, as lower-case hex (hashed by the reader as it streamed).
    const digest =
      response.digest ??
      createHash('md5')
        .update(response.body ?? EMPTY)
        .digest('hex');
    if (digest !== url.digest) return { ok: false, reason: 'digest', detail: `digest ${digest}` };
  }
  if (url.regex !== undefined) {
    // keepalived uses PCRE2; JavaScript regular expressions share its common syntax.
    // Normalisation has checked that it compiles.
    const matched = new RegExp(url.regex).test((response.body ?? EMPTY).toString('latin1'));
    if (matched === url.regexNoMatch) {
      return { ok: false, reason: 'regex', detail: url.regexNoMatch ? 'regex matched' : 'regex did not match' };
    }
  }
  return { ok: true };
}
