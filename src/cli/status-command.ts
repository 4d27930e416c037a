import { Option, type Command } from 'commander';
import { stringify } from 'yaml';
import { parseDurationMs } from '../api/index.js';
import { LvsError, messageOf } from '../core/index.js';
import { parseStatusDocument, renderNodeStatus, type NodeStatusDocument } from '../status/index.js';
import { familyOf } from '../net/ip-codec.js';
import { UsageError } from './exit.js';

/** Where `lvsctl status` asks when neither --url nor LVSCTL_STATUS_URL says. */
export const DEFAULT_STATUS_URL = 'http://127.0.0.1:9400';

const OUTPUTS = ['table', 'json', 'yaml'] as const;
export type Output = (typeof OUTPUTS)[number];

/** How long one request may take: a node that does not answer in this is unreachable. */
const REQUEST_TIMEOUT_MS = 5_000;

interface StatusFlags {
  url?: string;
  output: string;
  watch?: boolean;
  interval: string;
}

/** The node could not be asked, or did not answer with a status document (exit 1). */
export class StatusUnavailableError extends LvsError {
  constructor(
    readonly url: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super('LVS_STATUS_UNAVAILABLE', `no status from ${url}: ${reason}`, options);
  }
}

/**
 * `http://fd00::1:9400` as `http://[fd00::1]:9400`: a pod spec builds the URL from the node's
 * address (`http://$(LVS_NODE_IP):9400`) and cannot add the brackets an IPv6 host needs.
 */
function bracketIpv6Host(text: string): string {
  const m = /^(https?:\/\/)([^/[\]]+):(\d+)(\/.*)?$/i.exec(text);
  if (!m?.[2] || familyOf(m[2]) !== 6) return text;
  return `${m[1]}[${m[2]}]:${m[3]}${m[4] ?? ''}`;
}

/**
 * The /status address from a listener address (`http://host:9400`) or the endpoint itself
 * (`.../status`): what --url and LVSCTL_STATUS_URL may hold.
 */
export function statusEndpoint(base: string): string {
  let url: URL;
  try {
    url = new URL(bracketIpv6Host(base));
  } catch {
    throw new UsageError(`bad URL "${base}": give one like ${DEFAULT_STATUS_URL}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`bad URL "${base}": only http and https`);
  }
  if (!url.pathname.endsWith('/status')) url.pathname = `${url.pathname.replace(/\/+$/, '')}/status`;
  return url.toString();
}

/** The error behind fetch's "fetch failed" (ECONNREFUSED, ENOTFOUND...), for the message. */
function reasonOf(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return `no answer within ${REQUEST_TIMEOUT_MS / 1000}s`;
  const cause = err instanceof Error ? err.cause : undefined;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' && !cause.message.includes(code) ? `${code}: ${cause.message}` : cause.message;
  }
  return messageOf(err);
}

/** One GET of the document, parsed at this edge with the document's schema. */
export async function fetchStatus(endpoint: string): Promise<NodeStatusDocument> {
  let res: Response;
  try {
    res = await fetch(endpoint, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (err) {
    throw new StatusUnavailableError(endpoint, reasonOf(err), { cause: err });
  }
  if (!res.ok) throw new StatusUnavailableError(endpoint, `answered ${res.status} ${res.statusText}`.trim());
  let body: unknown;
  try {
    body = await res.json();
  } catch (err) {
    throw new StatusUnavailableError(endpoint, 'answered something that is not JSON', { cause: err });
  }
  const parsed = parseStatusDocument(body);
  if (!parsed.ok) throw new StatusUnavailableError(endpoint, parsed.problem);
  return parsed.document;
}

/** The document in the chosen output. */
export function formatStatus(doc: NodeStatusDocument, output: Output, tty: { color: boolean; width?: number }): string {
  switch (output) {
    case 'json':
      return `${JSON.stringify(doc, null, 2)}\n`;
    case 'yaml':
      return stringify(doc);
    case 'table':
      return renderNodeStatus(doc, { color: tty.color, ...(tty.width === undefined ? {} : { width: tty.width }) });
  }
}

/** ANSI: cursor home, clear the screen (a redraw in place). */
const HOME_CLEAR = '\x1b[H\x1b[2J';

async function status(flags: StatusFlags): Promise<void> {
  if (!(OUTPUTS as readonly string[]).includes(flags.output)) {
    throw new UsageError(`-o must be one of ${OUTPUTS.join(', ')}`);
  }
  const output = flags.output as Output;
  const intervalMs = parseDurationMs(flags.interval);
  if (intervalMs === undefined || intervalMs < 100) {
    throw new UsageError(`bad --interval "${flags.interval}": a duration of at least 100ms, e.g. 1s`);
  }
  const endpoint = statusEndpoint(flags.url ?? (process.env['LVSCTL_STATUS_URL'] || DEFAULT_STATUS_URL));
  const tty = process.stdout.isTTY === true;
  const view = {
    color: tty && !process.env['NO_COLOR'],
    ...(tty && process.stdout.columns ? { width: process.stdout.columns } : {}),
  };
  if (!flags.watch) {
    process.stdout.write(formatStatus(await fetchStatus(endpoint), output, view));
    return;
  }
  await watchStatus({ endpoint, output, view, intervalMs, redraw: tty, write: (t) => process.stdout.write(t) });
}

/** What `--watch` needs; `signal` ends it (tests), otherwise it runs until the process stops. */
export interface WatchOptions {
  readonly endpoint: string;
  readonly output: Output;
  readonly view: { readonly color: boolean; readonly width?: number };
  readonly intervalMs: number;
  /** Redraw in place (a terminal), or print one snapshot after another. */
  readonly redraw: boolean;
  readonly write: (text: string) => void;
  readonly signal?: AbortSignal;
}

/** Asks every interval; a node that stops answering (a restart) is shown as such, and asked again. */
export async function watchStatus(o: WatchOptions): Promise<void> {
  for (let first = true; !o.signal?.aborted; first = false) {
    let text: string;
    try {
      text = formatStatus(await fetchStatus(o.endpoint), o.output, o.view);
    } catch (err) {
      if (!(err instanceof StatusUnavailableError)) throw err;
      text = `${err.message}\n`;
    }
    if (o.signal?.aborted) return;
    o.write(o.redraw ? `${HOME_CLEAR}${text}` : `${first ? '' : '\n'}${text}`);
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, o.intervalMs);
      o.signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
    });
  }
}

/** `lvsctl status`: one view of the local node (director and/or realserver), from its /status. */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description("Show this node's VRRP, IPVS with rates, real server health, conditions and recent events")
    .option(
      '--url <url>',
      `the agent's metrics listener, or its /status (default: LVSCTL_STATUS_URL, else ${DEFAULT_STATUS_URL})`,
    )
    .addOption(new Option('-o, --output <format>', OUTPUTS.join(', ')).default('table'))
    .option('-w, --watch', 'ask again every --interval: redrawn in place on a terminal, successive snapshots otherwise')
    .option('--interval <duration>', 'time between two views with --watch', '1s')
    .addHelpText(
      'after',
      '\nExit status: 0 with a status, 1 when the node could not be reached or did not answer with one.',
    )
    .action((flags: StatusFlags) => status(flags));
}
