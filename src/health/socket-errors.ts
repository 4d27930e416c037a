/**
 * Maps what a socket, TLS or child-process failure says (Node's ErrnoException `code`) to the
 * bounded {@link FailureReason} set used in status, logs and metric labels. Pure.
 */
import type { FailureReason } from './types.js';

const BY_CODE: Readonly<Record<string, FailureReason>> = {
  ECONNREFUSED: 'refused',
  ETIMEDOUT: 'timeout',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ECONNABORTED: 'reset',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EHOSTDOWN: 'unreachable',
  ENETDOWN: 'unreachable',
  EADDRNOTAVAIL: 'unreachable',
};

/** TLS verification and handshake failures (OpenSSL's X509_V_ERR_* names as Node reports them). */
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_|HOSTNAME_MISMATCH)/;

/** The reason and a short detail for an error thrown by a socket or TLS operation. */
export function reasonOfError(err: unknown): { reason: FailureReason; detail: string } {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
  const message = err instanceof Error ? err.message : String(err);
  if (code !== undefined) {
    const reason = BY_CODE[code];
    if (reason) return { reason, detail: code };
    if (TLS_CODE.test(code)) return { reason: 'tls', detail: code };
  }
  if (/ssl|tls|certificate|handshake/i.test(message)) return { reason: 'tls', detail: message };
  return { reason: 'error', detail: code ?? message };
}
