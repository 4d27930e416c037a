/**
 * Adapter: HTTP_GET and SSL_GET (keepalived/check/check_http.c). Each url block is fetched on
 * a connection of its own, in order; the attempt passes only when every url passes.
 */
import { readFile } from 'node:fs/promises';
import type tls from 'node:tls';
import { failed, type Checker, type CheckerDeps } from './checker.js';
import { formatHttpRequest, HttpResponseReader } from './http-response.js';
import { bodyNeeds, judgeHttpResponse } from './http-verdict.js';
import { reasonOfError } from './socket-errors.js';
import { openStream } from './stream-session.js';
import type { CaSource, CheckResult, HealthProbe, HttpUrl, TlsSettings } from './types.js';

type HttpProbe = Extract<HealthProbe, { type: 'HTTP' | 'HTTPS' }>;

/** The HTTP_GET / SSL_GET checker. CA files are read once per checker instance. */
export function createHttpChecker(deps: CheckerDeps): Checker<'HTTP' | 'HTTPS'> {
  const caFiles = new Map<string, Promise<string>>();
  const caOf = (source: CaSource): Promise<string> => {
    if (source.kind === 'pem') return Promise.resolve(source.pem);
    let pem = caFiles.get(source.path);
    if (!pem) {
      pem = readFile(source.path, 'utf8');
      // A failed read is retried on the next attempt rather than cached.
      pem.catch(() => caFiles.delete(source.path));
      caFiles.set(source.path, pem);
    }
    return pem;
  };

  return async (probe, signal) => {
    const started = deps.clock.now();
    let tlsOptions: tls.ConnectionOptions | undefined;
    if (probe.type === 'HTTPS') {
      try {
        tlsOptions = await tlsOptionsOf(probe.tls, caOf);
      } catch (err) {
        return failed('tls', `CA bundle: ${reasonOfError(err).detail}`, deps.clock.now() - started);
      }
    }
    for (const url of probe.http.urls) {
      const result = await fetchUrl(probe, url, tlsOptions, deps, signal);
      if (!result.ok) return { ...result, latencyMs: deps.clock.now() - started };
    }
    return { ok: true, latencyMs: deps.clock.now() - started };
  };
}

async function tlsOptionsOf(
  settings: TlsSettings,
  caOf: (source: CaSource) => Promise<string>,
): Promise<tls.ConnectionOptions> {
  return {
    rejectUnauthorized: settings.verify,
    ...(settings.serverName !== undefined ? { servername: settings.serverName } : {}),
    ...(settings.ca !== undefined ? { ca: await caOf(settings.ca) } : {}),
  };
}

async function fetchUrl(
  probe: HttpProbe,
  url: HttpUrl,
  tlsOptions: tls.ConnectionOptions | undefined,
  deps: CheckerDeps,
  signal: AbortSignal,
): Promise<CheckResult> {
  const started = deps.clock.now();
  const elapsed = () => deps.clock.now() - started;
  let session;
  try {
    session = await openStream({
      target: probe.target,
      timeoutMs: probe.timeoutMs,
      clock: deps.clock,
      signal,
      ...(tlsOptions ? { tls: tlsOptions } : {}),
    });
  } catch (err) {
    const { reason, detail } = reasonOfError(err);
    return failed(reason, detail, elapsed());
  }
  try {
    session.write(formatHttpRequest(url.path, url.host, probe.http.httpVersion));
    const parsed = await session.read(new HttpResponseReader((status) => bodyNeeds(url, status)));
    if (parsed.kind === 'invalid') return failed('protocol', `${url.path}: ${parsed.detail}`, elapsed());
    const verdict = judgeHttpResponse(url, parsed.response);
    if (!verdict.ok) return failed(verdict.reason, `${url.path}: ${verdict.detail}`, elapsed());
    return { ok: true, latencyMs: elapsed() };
  } catch (err) {
    const { reason, detail } = reasonOfError(err);
    return failed(reason, `${url.path}: ${detail}`, elapsed());
  } finally {
    session.close();
  }
}
