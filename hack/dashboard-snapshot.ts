/**
 * Renders the Grafana dashboard (charts/lvs-operator/files/dashboard.json) without Grafana: runs
 * every panel's queries against a Prometheus HTTP API over a time window, draws each panel as
 * inline SVG in one static HTML page laid out by the panels' gridPos, and takes a PNG of it
 * with headless Chromium (the Debian package chromium, installed when missing).
 *
 *   npx tsx hack/dashboard-snapshot.ts --prometheus URL [--minutes 30] --out dashboard.png
 *   npx tsx hack/dashboard-snapshot.ts --tsdb DIR --out docs/images/dashboard.png
 *
 * --tsdb serves a kept Prometheus storage (DIR/data, with the time window in DIR/window.json,
 * as test/kernel/guest/prometheus.guest.ts leaves it under LVS_PROMETHEUS_KEEP_DIR) with
 * /usr/bin/prometheus on loopback for the length of the run. --html PATH keeps the page.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readDashboard, substituteVariables } from '../test/support/monitoring.js';

interface Target {
  readonly refId: string;
  readonly expr: string;
  readonly legendFormat?: string;
}
interface Step {
  readonly color: string;
  readonly value: number | null;
}
interface Panel {
  readonly type: string;
  readonly title: string;
  readonly gridPos: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  readonly targets?: readonly Target[];
  readonly fieldConfig?: {
    readonly defaults?: {
      readonly unit?: string;
      readonly thresholds?: { readonly steps: readonly Step[] };
      readonly mappings?: readonly { options: Record<string, { text: string; color?: string }> }[];
    };
  };
}
interface Series {
  readonly label: string;
  readonly points: readonly (readonly [number, number])[];
}

const { values: args } = parseArgs({
  options: {
    prometheus: { type: 'string' },
    tsdb: { type: 'string' },
    minutes: { type: 'string', default: '30' },
    'rate-interval': { type: 'string' },
    out: { type: 'string', default: 'dashboard.png' },
    html: { type: 'string' },
  },
});

const WIDTH = 1600;
const UNIT_H = 30;
const PALETTE = ['#7eb26d', '#eab839', '#6ed0e0', '#ef843c', '#e24d42', '#1f78c1', '#ba43a9', '#705da0', '#508642'];
const COLORS: Record<string, string> = {
  green: '#56a64b',
  red: '#e02f44',
  orange: '#ff9830',
  blue: '#3274d9',
  text: '#8e8e8e',
};

function color(name: string): string {
  return COLORS[name] ?? name;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}

/** A value in the panel's unit, short. */
function formatValue(v: number, unit = 'short'): string {
  if (!Number.isFinite(v)) return String(v);
  const si = (x: number, suffix: string, base = 1000): string => {
    const prefixes = ['', 'k', 'M', 'G', 'T'];
    let i = 0;
    while (Math.abs(x) >= base && i < prefixes.length - 1) {
      x /= base;
      i++;
    }
    return `${Number(x.toPrecision(3))} ${prefixes[i]}${suffix}`.trim();
  };
  switch (unit) {
    case 's':
      if (Math.abs(v) >= 60) return `${Number((v / 60).toPrecision(3))} min`;
      if (Math.abs(v) >= 1 || v === 0) return `${Number(v.toPrecision(3))} s`;
      return `${Number((v * 1000).toPrecision(3))} ms`;
    case 'bytes':
      return si(v, 'B', 1024);
    case 'Bps':
      return si(v, 'B/s');
    case 'pps':
      return si(v, 'p/s');
    case 'cps':
      return si(v, 'c/s');
    case 'ops':
      return si(v, 'ops/s');
    case 'percentunit':
      return `${Number((v * 100).toPrecision(3))}%`;
    default:
      return si(v, '');
  }
}

function legend(format: string | undefined, metric: Record<string, string>): string {
  if (!format) return JSON.stringify(metric);
  return format.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, k: string) => metric[k] ?? '');
}

async function api<T>(base: string, path: string, params: Record<string, string>): Promise<T> {
  const r = await fetch(`${base}${path}?${new URLSearchParams(params)}`);
  const body = (await r.json()) as { status: string; error?: string; data: T };
  if (body.status !== 'success') throw new Error(`${params['query'] ?? path}: ${body.error ?? r.status}`);
  return body.data;
}

async function rangeSeries(
  base: string,
  t: Target,
  window: { start: number; end: number; step: number },
  rate: string,
): Promise<Series[]> {
  const data = await api<{ result: { metric: Record<string, string>; values: [number, string][] }[] }>(
    base,
    '/api/v1/query_range',
    {
      query: substituteVariables(t.expr, rate),
      start: String(window.start),
      end: String(window.end),
      step: String(window.step),
    },
  );
  return data.result.map((r) => ({
    label: legend(t.legendFormat, r.metric),
    points: r.values.map(([ts, v]) => [ts, Number(v)] as const),
  }));
}

function thresholdColor(p: Panel, v: number): string {
  let c = 'green';
  for (const s of p.fieldConfig?.defaults?.thresholds?.steps ?? []) if (s.value === null || v >= s.value) c = s.color;
  return color(c);
}

function mapped(p: Panel, v: number): { text: string; color: string } | undefined {
  for (const m of p.fieldConfig?.defaults?.mappings ?? []) {
    const hit = m.options[String(v)];
    if (hit) return { text: hit.text, color: color(hit.color ?? 'text') };
  }
  return undefined;
}

function statBody(p: Panel, series: Series[], w: number, h: number): string {
  if (series.length === 0) return `<div class="nodata">No data</div>`;
  const tileW = w / series.length;
  return series
    .map((s, i) => {
      const v = s.points.at(-1)?.[1] ?? NaN;
      const fill = thresholdColor(p, v);
      return `<div class="tile" style="left:${i * tileW}px;width:${tileW - 4}px;height:${h}px;background:${fill}">
<div class="tname">${escapeHtml(s.label)}</div><div class="tval">${escapeHtml(formatValue(v, p.fieldConfig?.defaults?.unit))}</div></div>`;
    })
    .join('');
}

function timelineBody(p: Panel, series: Series[], w: number, h: number, start: number, end: number): string {
  if (series.length === 0) return `<div class="nodata">No data</div>`;
  const labelW = 260;
  const rowH = Math.min(28, (h - 8) / series.length);
  const x = (t: number) => labelW + ((t - start) / (end - start)) * (w - labelW - 8);
  const rows = series.map((s, i) => {
    const y = 4 + i * rowH;
    const bands = s.points.map(([t, v], j) => {
      const next = s.points[j + 1]?.[0] ?? end;
      const m = mapped(p, v);
      return `<rect x="${x(t)}" y="${y}" width="${Math.max(1, x(next) - x(t))}" height="${rowH - 4}" fill="${m?.color ?? '#888'}"/>`;
    });
    const last = s.points.at(-1);
    const text = last ? (mapped(p, last[1])?.text ?? String(last[1])) : '';
    return `<text x="4" y="${y + rowH / 2 + 2}" class="lbl">${escapeHtml(s.label)}</text>${bands.join('')}<text x="${w - 12}" y="${y + rowH / 2 + 2}" class="lbl" text-anchor="end" fill="#fff">${escapeHtml(text)}</text>`;
  });
  return `<svg width="${w}" height="${h}">${rows.join('')}</svg>`;
}

function timeseriesBody(p: Panel, series: Series[], w: number, h: number, start: number, end: number): string {
  const finite = series.flatMap((s) => s.points.map(([, v]) => v)).filter(Number.isFinite);
  if (finite.length === 0) return `<div class="nodata">No data</div>`;
  const unit = p.fieldConfig?.defaults?.unit;
  const legendRows = Math.min(series.length, 4);
  const legendH = legendRows * 14 + 4;
  const plotH = h - legendH - 18;
  const axisW = 70;
  const lo = Math.min(0, ...finite);
  const hi = Math.max(...finite, lo + 1e-9);
  const x = (t: number) => axisW + ((t - start) / (end - start)) * (w - axisW - 8);
  const y = (v: number) => 6 + (1 - (v - lo) / (hi - lo)) * (plotH - 6);
  const grid = [0, 0.5, 1].map((f) => {
    const v = lo + f * (hi - lo);
    return `<line x1="${axisW}" x2="${w - 8}" y1="${y(v)}" y2="${y(v)}" class="grid"/><text x="${axisW - 4}" y="${y(v) + 4}" text-anchor="end" class="axis">${escapeHtml(formatValue(v, unit))}</text>`;
  });
  const ticks = [0, 0.5, 1].map((f) => {
    const t = start + f * (end - start);
    const label = new Date(t * 1000).toISOString().slice(11, 19);
    return `<text x="${x(t)}" y="${plotH + 14}" text-anchor="middle" class="axis">${label}</text>`;
  });
  const lines = series.map((s, i) => {
    const pts = s.points.filter(([, v]) => Number.isFinite(v)).map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`);
    return `<polyline fill="none" stroke="${PALETTE[i % PALETTE.length]}" stroke-width="1.5" points="${pts.join(' ')}"/>`;
  });
  // One legend line per series, cut to the panel's width (about 6 px a character).
  const chars = Math.floor((w - 40) / 6);
  const legendItems = series.slice(0, legendRows).map((s, i) => {
    const last = [...s.points].reverse().find(([, v]) => Number.isFinite(v))?.[1];
    const ly = plotH + 30 + i * 14;
    const text = `${s.label}${last === undefined ? '' : ` — ${formatValue(last, unit)}`}`;
    const cut = text.length > chars ? `${text.slice(0, chars - 1)}…` : text;
    return `<rect x="8" y="${ly - 6}" width="10" height="3" fill="${PALETTE[i % PALETTE.length]}"/><text x="22" y="${ly}" class="lbl">${escapeHtml(cut)}</text>`;
  });
  const more =
    series.length > legendRows
      ? `<text x="${w - 8}" y="${h - 4}" text-anchor="end" class="axis">+${series.length - legendRows} more</text>`
      : '';
  return `<svg width="${w}" height="${h}">${grid.join('')}${ticks.join('')}${lines.join('')}${legendItems.join('')}${more}</svg>`;
}

async function renderPage(
  base: string,
  start: number,
  end: number,
  rate: string,
): Promise<{ html: string; height: number }> {
  const dashboard = (await readDashboard()) as unknown as { title: string; panels: readonly Panel[] };
  const step = Math.max(1, Math.round((end - start) / 240));
  const unitW = WIDTH / 24;
  let height = 0;
  const parts: string[] = [];
  for (const p of dashboard.panels) {
    const left = p.gridPos.x * unitW;
    const top = 48 + p.gridPos.y * UNIT_H;
    const w = p.gridPos.w * unitW - 8;
    const h = p.gridPos.h * UNIT_H - 8;
    height = Math.max(height, top + h + 16);
    if (p.type === 'row') {
      parts.push(`<div class="row" style="left:${left}px;top:${top}px;width:${w}px">${escapeHtml(p.title)}</div>`);
      continue;
    }
    const series: Series[] = [];
    for (const t of p.targets ?? []) series.push(...(await rangeSeries(base, t, { start, end, step }, rate)));
    const bodyH = h - 26;
    const body =
      p.type === 'stat'
        ? statBody(p, series, w - 12, bodyH - 6)
        : p.type === 'state-timeline'
          ? timelineBody(p, series, w - 12, bodyH, start, end)
          : timeseriesBody(p, series, w - 12, bodyH, start, end);
    parts.push(`<div class="panel" style="left:${left}px;top:${top}px;width:${w}px;height:${h}px">
<div class="title">${escapeHtml(p.title)}</div><div class="body">${body}</div></div>`);
  }
  const when = `${new Date(start * 1000).toISOString().slice(0, 19)}Z → ${new Date(end * 1000).toISOString().slice(11, 19)}Z`;
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(dashboard.title)}</title><style>
body{margin:0;background:#111217;color:#ccccdc;font:12px Inter,Helvetica,Arial,sans-serif;width:${WIDTH}px;height:${height}px;position:relative}
.head{position:absolute;left:8px;top:10px;font-size:18px}.head small{color:#8e8e8e;font-size:12px;margin-left:12px}
.row{position:absolute;font-size:14px;font-weight:600;padding-top:6px;color:#d8d9da}
.panel{position:absolute;background:#181b1f;border:1px solid #2c3235;border-radius:2px;overflow:hidden}
.title{height:22px;line-height:22px;padding:0 8px;font-weight:600;color:#d8d9da}.body{position:relative;padding:0 6px}
.tile{position:absolute;top:0;border-radius:2px;color:#fff;text-align:center;overflow:hidden}
.tname{font-size:11px;padding-top:4px}.tval{font-size:26px;font-weight:600}
.nodata{color:#8e8e8e;padding:20px;text-align:center}
.grid{stroke:#2c3235}.axis{fill:#8e8e8e;font-size:10px}.lbl{fill:#ccccdc;font-size:11px}
</style></head><body><div class="head">${escapeHtml(dashboard.title)}<small>${when} · all nodes, groups, services · rendered by hack/dashboard-snapshot.ts from ${escapeHtml(base)}</small></div>
${parts.join('\n')}</body></html>`;
  return { html, height };
}

function chromium(): string {
  const have = ['chromium', 'chromium-browser'].find((c) => {
    try {
      execFileSync('sh', ['-c', `command -v ${c}`], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });
  if (have) return have;
  console.error('dashboard-snapshot: installing the Debian package chromium');
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return 'chromium';
}

async function waitReady(base: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}`);
    const ok = await fetch(`${base}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('prometheus on the kept storage did not become ready');
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'lvs-snapshot-'));
  let prometheus: ChildProcess | undefined;
  try {
    let base: string;
    let start: number;
    let end: number;
    let rate: string;
    if (args.tsdb) {
      const window = JSON.parse(readFileSync(join(args.tsdb, 'window.json'), 'utf8')) as { start: number; end: number };
      ({ start, end } = window);
      rate = args['rate-interval'] ?? '20s';
      writeFileSync(join(work, 'prometheus.yml'), 'global: {}\n');
      base = 'http://127.0.0.1:9497';
      prometheus = spawn(
        '/usr/bin/prometheus',
        [
          `--config.file=${join(work, 'prometheus.yml')}`,
          `--storage.tsdb.path=${join(args.tsdb, 'data')}`,
          '--storage.tsdb.retention.time=100y',
          '--web.listen-address=127.0.0.1:9497',
          '--log.level=warn',
        ],
        { stdio: 'inherit' },
      );
      await waitReady(base, prometheus);
    } else if (args.prometheus) {
      base = args.prometheus.replace(/\/$/, '');
      end = Date.now() / 1000;
      start = end - Number(args.minutes) * 60;
      rate = args['rate-interval'] ?? '2m';
    } else {
      throw new Error('give --prometheus URL or --tsdb DIR');
    }
    const { html, height } = await renderPage(base, start, end, rate);
    const page = args.html ? resolve(args.html) : join(work, 'dashboard.html');
    writeFileSync(page, html);
    const out = resolve(args.out);
    execFileSync(
      chromium(),
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--hide-scrollbars',
        `--user-data-dir=${join(work, 'profile')}`,
        `--window-size=${WIDTH},${height}`,
        `--screenshot=${out}`,
        `file://${page}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    console.log(`dashboard-snapshot: wrote ${out} (${WIDTH}x${height})`);
  } finally {
    prometheus?.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
