/**
 * The live view (pure): demo state in, text out. Colour is optional (NO_COLOR, pipes), and
 * every line fits in 80 columns. The master's VRRP, IPVS and real server sections are
 * `lvsctl status`'s own view of its /status document (src/status view.ts).
 */
import { paletteOf, renderNodeStatusLines, type Palette } from '../status/index.js';
import { healthOf, masterOf, vrrpStates, windowOf, type DemoState, type DirectorState, type LogLine } from './state.js';

/** How to render. */
export interface ViewOptions {
  readonly color: boolean;
  /** How many of the newest log lines to show; all when undefined. */
  readonly logLines?: number;
}

/** Seconds since the start, as `+12.3s`. */
export function formatElapsed(ms: number): string {
  return `+${(ms / 1000).toFixed(1)}s`;
}

const pad = (s: string, n: number) => (s.length >= n ? `${s} ` : s.padEnd(n));
const padL = (s: string, n: number) => s.padStart(n);

function directorLine(d: DirectorState, p: Palette): string {
  const head = `  ${pad(d.name, 6)}${pad(d.address, 16)}`;
  if (d.killed) return `${head}${p.red('KILLED')}  (agent SIGKILLed, link cut)`;
  const s = d.snapshot;
  if (!s) return `${head}${p.dim('starting')}`;
  if (!s.agentUp) return `${head}${p.dim('agent not answering')}`;
  const state = vrrpStates(s).join(',') || 'no VRRP instance';
  const painted = state === 'MASTER' ? p.green(state) : state === 'BACKUP' ? p.yellow(state) : p.red(state);
  const vip = state === 'MASTER' ? 'holds the VIP, programs IPVS' : 'standing by';
  return `${head}${painted}${' '.repeat(Math.max(1, 8 - state.length))}${vip}`;
}

/** The master's node view, as `lvsctl status` prints it on that director. */
function masterLines(state: DemoState, color: boolean): string[] {
  const master = masterOf(state.directors);
  const status = master?.snapshot?.status;
  if (!master || !status) return [paletteOf(color).bold('IPVS'), '  (no master: nobody programs the VIP)'];
  return [
    paletteOf(color).bold(`On ${master.name}, the master (lvsctl status)`),
    ...renderNodeStatusLines(status, { color, sections: ['vrrp', 'ipvs', 'realServers'], width: 80 }),
  ];
}

function backendLines(state: DemoState, p: Palette): string[] {
  const recent = windowOf(state.traffic, state.nowMs);
  const answeredRecent = recent.filter((r) => r.backend !== undefined).length;
  const secs = Math.round(state.traffic.windowMs / 1000);
  const out = [
    p.bold('Backends'),
    `  ${pad('name', 6)}${pad('address', 15)}${pad('VIP', 10)}${pad('health page', 13)}${pad('check', 7)}${pad('answered', 10)}share, last ${secs}s`,
  ];
  for (const b of state.backends) {
    const up = healthOf(state.directors, b.address);
    const check = up === undefined ? p.dim(pad('?', 7)) : up ? p.green(pad('UP', 7)) : p.red(pad('DOWN', 7));
    const page = b.healthPage === 'present' ? pad('present', 13) : p.yellow(pad('renamed', 13));
    const mine = recent.filter((r) => r.backend === b.name).length;
    const share = answeredRecent === 0 ? '-' : `${Math.round((100 * mine) / answeredRecent)}%`;
    const answered = String(state.traffic.answered[b.name] ?? 0);
    const vip = b.acceptsVip ? pad('REDIRECT', 10) : p.dim(pad('-', 10));
    out.push(`  ${pad(b.name, 6)}${pad(b.address, 15)}${vip}${page}${check}${pad(answered, 10)}${share}`);
  }
  const failedRecent = recent.length - answeredRecent;
  const failed = state.traffic.failed > 0 ? p.red(String(state.traffic.failed)) : '0';
  out.push(`  failed requests: ${failed} (last ${secs}s: ${failedRecent})`);
  return out;
}

/** One log line, as the view and the plain-text output print it. */
export function formatLogLine(l: LogLine, color = false): string {
  const p = paletteOf(color);
  const at = padL(formatElapsed(l.atMs), 8);
  if (l.kind === 'phase') return p.bold(`${at}  == ${l.text}`);
  if (l.kind === 'result') return `${at}  ${p.green('>>')} ${l.text}`;
  return `${at}     ${l.text}`;
}

/** The whole view: header, directors, IPVS table, backends and traffic, the newest log lines. */
export function renderView(state: DemoState, opts: ViewOptions): string {
  const p = paletteOf(opts.color);
  const lines = [
    `${p.bold(state.title)}${padL(formatElapsed(state.nowMs), Math.max(1, 78 - state.title.length))}`,
    `Phase: ${p.bold(state.phase)}`,
    '',
    p.bold('Directors'),
    ...state.directors.map((d) => directorLine(d, p)),
    '',
    ...masterLines(state, opts.color),
    '',
    ...backendLines(state, p),
  ];
  if (state.notes.length > 0) lines.push('', ...state.notes.map((n) => p.dim(n)));
  const n = opts.logLines;
  const log = n === undefined ? state.log : n <= 0 ? [] : state.log.slice(-n);
  if (log.length > 0) lines.push('', p.bold('Log'), ...log.map((l) => formatLogLine(l, opts.color)));
  return `${lines.join('\n')}\n`;
}
