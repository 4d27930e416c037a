/**
 * The comparison's table: one row per event, one column per implementation, each cell the
 * figures of every run (a range when there were several).
 */
import type { Figures } from './scenarios.js';

export interface RunRecord {
  readonly scenario: string;
  readonly impl: string;
  readonly run: number;
  readonly figures?: Figures;
  readonly error?: string;
}

/** `a` or `a-b` over the runs that have the figure; `?` when none has it. */
function range(runs: readonly Figures[], key: string, unit: (v: number) => string = String): string {
  const vs = runs.map((f) => f[key]).filter((v): v is number => v !== undefined);
  if (vs.length === 0) return '?';
  const lo = Math.min(...vs);
  const hi = Math.max(...vs);
  return lo === hi ? unit(lo) : `${unit(lo)}-${unit(hi)}`;
}

const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

function crashCell(r: readonly Figures[]): string {
  return `${range(r, 'failed')} of ${range(r, 'requests')} failed, outage ${range(r, 'outageMs', s)} (VIP moved after ${range(r, 'takeoverMs', s)}); keep-alive: ${range(r, 'keepAliveReset')} of 50 reset, longest stall ${range(r, 'stallMs', s)}`;
}

/** How each scenario's figures read in a cell. */
const CELLS: Record<string, (runs: readonly Figures[]) => string> = {
  crash: crashCell,
  'crash-v3-100ms': crashCell,
  'crash-no-sync': (r) =>
    `keep-alive: ${range(r, 'keepAliveReset')} of 50 reset (${range(r, 'keepAliveFailed')} requests failed); new connections: ${range(r, 'failed')} failed`,
  graceful: (r) =>
    `${range(r, 'failed')} of ${range(r, 'requests')} failed, slowest request ${range(r, 'slowestMs', s)}, longest gap ${range(r, 'outageMs', s)}; keep-alive: ${range(r, 'keepAliveReset')} of 50 reset, longest stall ${range(r, 'stallMs', s)}`,
  'rolling-restart': (r) =>
    `${range(r, 'failed')} of ${range(r, 'requests')} failed, slowest request ${range(r, 'slowestMs', s)}; keep-alive: ${range(r, 'keepAliveReset')} of 50 reset, longest stall ${range(r, 'stallMs', s)}`,
  'health-fail': (r) =>
    `weight 0 after ${range(r, 'weightZeroMs', s)}; then ${range(r, 'landedOnInhibited')} of ${range(r, 'newConnections')} new connections landed on it (${range(r, 'newFailed')} failed); keep-alive on it: ${range(r, 'keepAliveFailed')} failed`,
  'no-vip': (r) =>
    `${range(r, 'failed')} of ${range(r, 'requests')} requests failed in 15 s; its weight at the end ${range(r, 'web2Weight')}${r.some((f) => f['outMs'] !== undefined) ? `, out after ${range(r, 'outMs', s)}` : ', never taken out'}`,
};

/** The markdown table of every scenario in `order`, keepalived first. */
export function renderTable(
  records: readonly RunRecord[],
  order: readonly { id: string; event: string }[],
  impls: readonly string[],
): string {
  const lines = [`| event | ${impls.join(' | ')} |`, `| --- | ${impls.map(() => '---').join(' | ')} |`];
  for (const sc of order) {
    const cells = impls.map((impl) => {
      const mine = records.filter((r) => r.scenario === sc.id && r.impl === impl);
      if (mine.length === 0) return 'not run';
      const ok = mine.flatMap((r) => (r.figures ? [r.figures] : []));
      const errors = mine.filter((r) => r.error !== undefined).length;
      const cell = ok.length > 0 ? (CELLS[sc.id]?.(ok) ?? JSON.stringify(ok)) : '';
      const failedRuns = errors > 0 ? `${cell ? '; ' : ''}${errors} of ${mine.length} runs did not complete` : '';
      return `${cell}${failedRuns}`;
    });
    lines.push(`| ${sc.event} | ${cells.join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}
