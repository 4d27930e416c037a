import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';

/** The chart's monitoring files: the alert rules and the Grafana dashboard. */
export const CHART_FILES = join(import.meta.dirname, '..', '..', 'charts', 'lvs-operator', 'files');
export const ALERTS_FILE = join(CHART_FILES, 'alerts.yaml');
export const DASHBOARD_FILE = join(CHART_FILES, 'dashboard.json');

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** Every rule of the plain rule file, in file order. */
export async function readAlertRules(): Promise<AlertRule[]> {
  const file = parseYaml(await readFile(ALERTS_FILE, 'utf8')) as { groups: { rules: AlertRule[] }[] };
  return file.groups.flatMap((g) => g.rules);
}

/** One query of one panel. */
export interface PanelQuery {
  readonly panel: string;
  readonly refId: string;
  readonly expr: string;
}

interface DashboardPanel {
  readonly type: string;
  readonly title: string;
  readonly targets?: readonly { refId: string; expr: string }[];
  readonly panels?: readonly DashboardPanel[];
}

export interface Dashboard {
  readonly title: string;
  readonly templating: { readonly list: readonly { name: string; type: string; query: unknown }[] };
  readonly panels: readonly DashboardPanel[];
}

export async function readDashboard(): Promise<Dashboard> {
  return JSON.parse(await readFile(DASHBOARD_FILE, 'utf8')) as Dashboard;
}

/** Every query of every panel, rows' nested panels included, in dashboard order. */
export function panelQueries(dashboard: Dashboard): PanelQuery[] {
  const walk = (ps: readonly DashboardPanel[]): PanelQuery[] =>
    ps.flatMap((p) => [
      ...(p.targets ?? []).map((t) => ({ panel: p.title, refId: t.refId, expr: t.expr })),
      ...walk(p.panels ?? []),
    ]);
  return walk(dashboard.panels);
}

/**
 * A panel query as Grafana would send it with every template variable at "All" (`.*`) and
 * `$__rate_interval` / `$__interval` given.
 */
export function substituteVariables(expr: string, rateInterval: string): string {
  return expr
    .replaceAll('$__rate_interval', rateInterval)
    .replaceAll('$__interval', rateInterval)
    .replace(/\$\{?(node|group|service|vip)\}?/g, '.*');
}

// PromQL words that are not metric names: aggregation operators (`sum by (x) (...)` has no
// parenthesis right after the name), keywords, set and grouping operators.
const KEYWORDS = new Set([
  'sum',
  'avg',
  'min',
  'max',
  'count',
  'group',
  'stddev',
  'stdvar',
  'topk',
  'bottomk',
  'quantile',
  'count_values',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression selects. Strings, label matchers, range and grouping
 * lists are blanked first; what is left that is an identifier not followed by `(` (a function)
 * and not a keyword is a metric name.
 */
export function metricNamesIn(expr: string): string[] {
  const blanked = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '[]')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '$1 ()');
  const names = new Set<string>();
  for (const m of blanked.matchAll(/(?<![\w.$])([a-zA-Z_:][\w:]*)\b(?!\s*\()/g)) {
    const word = m[1];
    if (word && !KEYWORDS.has(word.toLowerCase())) names.add(word);
  }
  return [...names];
}
