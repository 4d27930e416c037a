/**
 * Pure: a node status document as a compact terminal view, for `lvsctl status -o table` and
 * the demo's live view (which shows the master's VRRP, IPVS and real server sections). The
 * IPVS section keeps `lvsctl ipvs list -n`'s columns, with the kernel's rate estimators
 * (per second) in place of the counters. Text from the document is printed with its control
 * characters escaped: a name or a check's reason cannot move the cursor.
 */
import type {
  AcceptedVip,
  DirectorStatusSection,
  IpvsDestinationStatus,
  IpvsRates,
  IpvsServiceStatus,
  NodeStatusDocument,
  RealServerHealthStatus,
  StatusCondition,
  StatusEvent,
  StatusObject,
  VrrpInstanceStatus,
} from './document.js';
import { paletteOf, type Palette, type Paint } from './palette.js';

/** The parts of the view, in the order they print. */
export const STATUS_SECTIONS = ['header', 'vrrp', 'ipvs', 'realServers', 'vips', 'conditions', 'events'] as const;
export type StatusSection = (typeof STATUS_SECTIONS)[number];

export interface StatusViewOptions {
  /** ANSI colours (a terminal without NO_COLOR). */
  readonly color: boolean;
  /** Which sections to print; all by default. */
  readonly sections?: readonly StatusSection[];
  /** Lines carrying free text (reasons, messages, notes) are cut to this many columns. */
  readonly width?: number;
  /** How many of the newest events to print; all by default. */
  readonly events?: number;
}

/** Control characters escaped (`\x1b`), so remote text cannot drive the terminal. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- escaping control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

const pad = (s: string, n: number) => (s.length >= n ? `${s} ` : s.padEnd(n));
const padL = (s: string, n: number) => s.padStart(n);

/** A rate in at most 5 characters: 999, 1.2k, 12k, 3.4M, 56G. */
export function compactNumber(n: number): string {
  const units: readonly [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [size, unit] of units) {
    if (n >= size) {
      const v = n / size;
      return `${v < 10 ? (Math.floor(v * 10) / 10).toString() : Math.floor(v).toString()}${unit}`;
    }
  }
  return Math.round(n).toString();
}

/** How long from `since` to `now` (ISO times), as 45s, 12m, 3h, 2d. */
export function formatAge(since: string, now: string): string {
  const s = Math.max(0, Math.floor((Date.parse(now) - Date.parse(since)) / 1000));
  if (!Number.isFinite(s)) return '?';
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

const objectText = (o: StatusObject) => printable(`${o.kind} ${o.namespace}/${o.name}`);

function stateColour(state: string, p: Palette): Paint {
  return state === 'MASTER' ? p.green : state === 'BACKUP' ? p.yellow : p.red;
}

function vrrpLines(d: DirectorStatusSection, now: string, p: Palette): string[] {
  const out = [
    p.bold('VRRP'),
    `  ${pad('Group', 21)}${padL('VRID', 4)} ${pad('Iface', 10)}${pad('State', 8)}${pad('Prio', 9)}${pad('Master', 16)}Since`,
  ];
  if (d.vrrp.length === 0) out.push('  (no VRRP instance on this node)');
  for (const v of d.vrrp) out.push(...vrrpInstanceLines(v, now, p));
  return out;
}

function vrrpInstanceLines(v: VrrpInstanceStatus, now: string, p: Palette): string[] {
  const master = v.master === undefined ? '-' : v.master === 'self' ? 'this node' : printable(v.master);
  const prio = v.effectivePriority === v.priority ? `${v.priority}` : `${v.effectivePriority}/${v.priority}`;
  const line =
    `  ${pad(printable(v.group), 21)}${padL(String(v.vrid), 4)} ${pad(printable(v.interface), 10)}` +
    `${stateColour(v.state, p)(pad(printable(v.state), 8))}${pad(prio, 9)}${pad(master, 16)}` +
    `${v.since === undefined ? '-' : formatAge(v.since, now)}`;
  const out = [line.trimEnd(), `    VIPs ${v.virtualIPs.map(printable).join(' ') || '-'}`];
  if (v.vipConflicts && v.vipConflicts.length > 0) {
    out.push(p.red(`    VIPs left alone (already on the node): ${v.vipConflicts.map(printable).join(' ')}`));
  }
  return out;
}

const RATES_HEADER = `${padL('CPS', 6)}${padL('InPPS', 6)}${padL('InBPS', 6)}`;
const ratesText = (r: IpvsRates) =>
  `${padL(compactNumber(r.cps), 6)}${padL(compactNumber(r.inPps), 6)}${padL(compactNumber(r.inBps), 6)}`;
/** Where the rates start: after `lvsctl ipvs list`'s destination columns. */
const RATES_COLUMN = 62;

function serviceText(s: IpvsServiceStatus): string {
  if (s.fwmark !== undefined) return `${pad('FWM', 5)}${pad(String(s.fwmark), 19)}`;
  const host = s.family === 'inet6' ? `[${s.address ?? ''}]` : (s.address ?? '');
  return `${pad(s.protocol, 5)}${pad(printable(`${host}:${s.port ?? 0}`), 19)}`;
}

function destinationLine(d: IpvsDestinationStatus, family: string, p: Palette): string {
  const host = family === 'inet6' ? `[${d.address}]` : d.address;
  const weight = d.weight === 0 ? p.red(padL('0', 6)) : padL(String(d.weight), 6);
  return (
    `    -> ${pad(printable(`${host}:${d.port}`), 21)}${pad(printable(d.forwarding), 7)}${weight}` +
    `${padL(String(d.activeConns), 11)}${padL(String(d.inactiveConns), 10)}${ratesText(d.rates)}`
  );
}

function ipvsLines(d: DirectorStatusSection, p: Palette): string[] {
  const out = [
    p.bold('IPVS (lvsctl ipvs list -n; rates per second)'),
    `${'  Prot LocalAddress:Port Scheduler'.padEnd(RATES_COLUMN)}${RATES_HEADER}`,
    `    -> RemoteAddress:Port  Forward Weight ActiveConn InActConn${RATES_HEADER}`,
  ];
  if (d.ipvsError !== undefined) out.push(p.red(`  (table not readable: ${printable(d.ipvsError)})`));
  else if (d.ipvs.length === 0) out.push('  (empty table)');
  for (const s of d.ipvs) {
    const head = `  ${serviceText(s)}${pad(printable(s.scheduler), 4)}`;
    const room = Math.max(0, RATES_COLUMN - head.length - 1);
    const owner = (s.virtualServer === undefined ? 'not ours' : printable(s.virtualServer)).slice(0, room);
    const painted = s.virtualServer === undefined ? p.dim(owner) : owner;
    out.push(
      `${head}${painted}${' '.repeat(Math.max(1, RATES_COLUMN - head.length - owner.length))}${ratesText(s.rates)}`,
    );
    for (const dest of s.destinations) out.push(destinationLine(dest, s.family, p));
  }
  return out;
}

/** Length without colour codes. */
// eslint-disable-next-line no-control-regex -- the codes this module adds
const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '').length;

function healthWord(r: RealServerHealthStatus, p: Palette): string {
  if (r.health === 'Up') return p.green(pad('UP', 9));
  if (r.health === 'Down') return p.red(pad('DOWN', 9));
  return p.dim(pad('UNKNOWN', 9));
}

function realServerLines(d: DirectorStatusSection, now: string, p: Palette, cut: (s: string) => string): string[] {
  const out = [
    p.bold('Real servers (health checks here; weight now/configured)'),
    `    ${pad('RemoteAddress:Port', 23)}${pad('Health', 9)}${padL('Weight', 7)}  ${pad('Since', 6)}Reason`,
  ];
  if (d.virtualServers.length === 0) out.push('  (no VirtualServer on this node)');
  for (const vs of d.virtualServers) {
    out.push(`  ${printable(vs.virtualServer)}${vs.programmed ? '' : p.dim(' (not programmed on this node)')}`);
    for (const r of vs.realServers) {
      const weight = `${r.weight}/${r.configuredWeight}`;
      const since = r.since === undefined ? '-' : formatAge(r.since, now);
      const reason = r.reason === undefined ? '' : printable(r.reason);
      out.push(
        cut(
          `    ${pad(printable(`${r.address}:${r.port}`), 23)}${healthWord(r, p)}${padL(weight, 7)}  ${pad(since, 6)}${reason}`.trimEnd(),
        ),
      );
    }
    for (const x of vs.draining) {
      out.push(
        cut(
          `    ${pad(printable(`${x.address}:${x.port}`), 23)}${p.yellow(pad('DRAINING', 9))}${padL('0', 7)}  ` +
            `${pad(formatAge(new Date(Date.parse(now) - x.drainingMs).toISOString(), now), 6)}` +
            `${x.activeConns} active, ${x.inactiveConns} inactive connections`,
        ),
      );
    }
  }
  return out;
}

function vipLines(vips: readonly AcceptedVip[], p: Palette, cut: (s: string) => string): string[] {
  const out = [p.bold('Accepted VIPs (realserver role)')];
  if (vips.length === 0) out.push('  (none: no DR/TUN VirtualServer sends to a real server of this node)');
  for (const v of vips) {
    const state = v.configured ? p.green(pad('ok', 10)) : p.red(pad('NOT READY', 10));
    const text =
      `  ${pad(printable(v.vip), 18)}${pad(printable(v.mode), 17)}${state}` +
      `for ${printable(v.address)} (${printable(v.virtualServer)})${v.message ? `: ${printable(v.message)}` : ''}`;
    out.push(cut(text));
  }
  return out;
}

function conditionLines(conditions: readonly StatusCondition[], now: string, p: Palette, cut: (s: string) => string) {
  const out = [p.bold('Conditions')];
  if (conditions.length === 0) out.push('  (none)');
  for (const c of conditions) {
    const since = c.since === undefined ? '' : ` (${formatAge(c.since, now)})`;
    out.push(cut(`  ${objectText(c.object)}  ${p.red(printable(c.reason))}${since}: ${printable(c.message)}`));
  }
  return out;
}

function eventLines(events: readonly StatusEvent[], limit: number | undefined, p: Palette, cut: (s: string) => string) {
  const shown = limit === undefined ? events : limit <= 0 ? [] : events.slice(-limit);
  const out = [
    p.bold(
      `Events (${shown.length === events.length ? 'all' : `newest ${shown.length}`} of ${events.length}, newest last)`,
    ),
  ];
  if (events.length === 0) out.push('  (none since the agent started)');
  for (const e of shown) {
    const type = e.type === 'Warning' ? p.yellow(pad('Warning', 8)) : pad('Normal', 8);
    out.push(
      cut(
        `  ${e.time.slice(11, 19)}  ${type}${pad(printable(e.reason), 16)}${objectText(e.object)}: ${printable(e.note)}`,
      ),
    );
  }
  return out;
}

/** Cuts a line to `width` visible columns, colour codes kept whole. */
function cutTo(width: number | undefined): (s: string) => string {
  if (width === undefined) return (s) => s;
  return (s) => {
    if (visible(s) <= width) return s;
    let out = '';
    let shown = 0;
    // eslint-disable-next-line no-control-regex -- the codes this module adds
    for (const part of s.split(/(\x1b\[[0-9;]*m)/)) {
      if (part.startsWith('\x1b[')) out += part;
      else {
        const take = part.slice(0, Math.max(0, width - 1 - shown));
        out += take;
        shown += take.length;
      }
    }
    return `${out}…${s.includes('\x1b[') ? '\x1b[0m' : ''}`;
  };
}

/** The view's lines (no trailing newline), sections in {@link STATUS_SECTIONS} order. */
export function renderNodeStatusLines(doc: NodeStatusDocument, opts: StatusViewOptions): string[] {
  const p = paletteOf(opts.color);
  const want = new Set(opts.sections ?? STATUS_SECTIONS);
  const cut = cutTo(opts.width);
  const blocks: string[][] = [];
  if (want.has('header')) {
    const roles = doc.roles.length === 0 ? 'no role' : doc.roles.join(', ');
    blocks.push([`${p.bold(`Node ${printable(doc.node)}`)} (${roles})  ${doc.time.slice(0, 19).replace('T', ' ')}Z`]);
  }
  const d = doc.director;
  if (d) {
    if (want.has('vrrp')) blocks.push(vrrpLines(d, doc.time, p));
    if (want.has('ipvs')) blocks.push(ipvsLines(d, p));
    if (want.has('realServers')) blocks.push(realServerLines(d, doc.time, p, cut));
  }
  if (doc.realserver && want.has('vips')) blocks.push(vipLines(doc.realserver.vips, p, cut));
  if (want.has('conditions')) blocks.push(conditionLines(doc.conditions, doc.time, p, cut));
  if (want.has('events')) blocks.push(eventLines(doc.events, opts.events, p, cut));
  return blocks.flatMap((b, i) => (i === 0 ? b : ['', ...b]));
}

/** The whole view as text, ending in a newline. */
export function renderNodeStatus(doc: NodeStatusDocument, opts: StatusViewOptions): string {
  return `${renderNodeStatusLines(doc, opts).join('\n')}\n`;
}
