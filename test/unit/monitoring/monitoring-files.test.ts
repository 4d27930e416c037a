import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createControllerMetrics } from '../../../src/controller/metrics.js';
import { silentLogger } from '../../../src/core/logger.js';
import { DirectorMetrics } from '../../../src/director/metrics.js';
import { HealthMetrics } from '../../../src/health/metrics.js';
import { FakeIpvsClient } from '../../../src/ipvs/fake-client.js';
import { IpvsMetrics } from '../../../src/ipvs/metrics.js';
import { registerIpvsTrafficMetrics } from '../../../src/ipvs/traffic-metrics.js';
import { createInformerMetrics } from '../../../src/kube/metrics.js';
import { createRegistry } from '../../../src/metrics/index.js';
import { CommandMetrics } from '../../../src/net/command-metrics.js';
import { RealserverMetrics } from '../../../src/realserver/metrics.js';
import { SourceMetrics } from '../../../src/sources/metrics.js';
import { VrrpMetrics } from '../../../src/vrrp/metrics.js';
import {
  metricNamesIn,
  panelQueries,
  readAlertRules,
  readDashboard,
  substituteVariables,
} from '../../support/monitoring.js';

/** Series Prometheus makes itself: the scrape's `up` and the rule manager's `ALERTS`. */
const PROMETHEUS_SERIES = ['up', 'ALERTS'];

/**
 * The names every role's metrics classes register, as a scrape shows them: a histogram as its
 * _bucket, _sum and _count series.
 */
async function registeredNames(): Promise<Set<string>> {
  const registry = createRegistry({ version: 'test' });
  new VrrpMetrics(registry);
  new HealthMetrics(registry);
  new IpvsMetrics(registry);
  registerIpvsTrafficMetrics({ registry, ipvs: new FakeIpvsClient(), log: silentLogger() });
  new DirectorMetrics(registry);
  new SourceMetrics(registry);
  new RealserverMetrics(registry);
  new CommandMetrics(registry);
  createControllerMetrics(registry);
  createInformerMetrics(registry);
  const names = new Set<string>();
  for (const m of await registry.getMetricsAsJSON()) {
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
    else names.add(m.name);
  }
  return names;
}

describe('metricNamesIn', () => {
  it.each([
    { name: 'plain selector', expr: 'lvs_config_stale == 1', names: ['lvs_config_stale'] },
    {
      name: 'aggregation with grouping and matchers',
      expr: 'sum by (group, vrid) (lvs_vrrp_state{state="master", group=~"a|b"}) > 1',
      names: ['lvs_vrrp_state'],
    },
    {
      name: 'functions, ranges and vector matching',
      expr: 'histogram_quantile(0.99, sum by (le) (rate(x_bucket{a="}"}[5m]))) + ignoring(state) y or vector(0)',
      names: ['x_bucket', 'y'],
    },
    {
      name: 'time()',
      expr: 'time() - lvs_ipvs_last_sync_timestamp_seconds > 300',
      names: ['lvs_ipvs_last_sync_timestamp_seconds'],
    },
  ])('$name', ({ expr, names }) => {
    expect(metricNamesIn(expr)).toEqual(names);
  });
});

describe('alert rules and dashboard use only metrics the code registers', () => {
  it('every alert expression', async () => {
    const known = await registeredNames();
    const unknown = (await readAlertRules()).flatMap((r) =>
      metricNamesIn(r.expr)
        .filter((n) => !known.has(n) && !PROMETHEUS_SERIES.includes(n))
        .map((n) => `${r.alert}: ${n}`),
    );
    expect(unknown).toEqual([]);
  });

  it('every panel query', async () => {
    const known = await registeredNames();
    const queries = panelQueries(await readDashboard());
    expect(queries.length).toBeGreaterThan(20);
    const unknown = queries.flatMap((q) =>
      metricNamesIn(q.expr)
        .filter((n) => !known.has(n) && !PROMETHEUS_SERIES.includes(n))
        .map((n) => `${q.panel} ${q.refId}: ${n}`),
    );
    expect(unknown).toEqual([]);
  });
});

describe('dashboard', () => {
  it('has a datasource variable and node, group and service variables every query can use', async () => {
    const d = await readDashboard();
    const vars = new Map(d.templating.list.map((v) => [v.name, v.type]));
    expect(vars.get('datasource')).toBe('datasource');
    for (const name of ['node', 'group', 'service']) expect(vars.get(name), name).toBe('query');
    // Every panel, query and variable reads the selected data source, none a fixed one.
    const sources: unknown[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === 'datasource') sources.push(x);
          else walk(x);
        }
      }
    };
    walk({ panels: d.panels, templating: d.templating.list.filter((v) => v.type !== 'datasource') });
    expect(sources.length).toBeGreaterThan(40);
    expect(new Set(sources.map((s) => JSON.stringify(s)))).toEqual(
      new Set([JSON.stringify({ type: 'prometheus', uid: '${datasource}' })]),
    );
  });

  it('every query selects by node, and substitution leaves no variable behind', async () => {
    for (const q of panelQueries(await readDashboard())) {
      const sent = substituteVariables(q.expr, '1m');
      expect(sent, `${q.panel} ${q.refId}`).not.toContain('$');
      if (!q.expr.includes('ALERTS') && !q.expr.includes('lvs_vrrp_state{state="master", group'))
        expect(q.expr, `${q.panel} ${q.refId}`).toContain('instance=~"$node"');
    }
  });
});

describe('alert rules', () => {
  it('each has a severity, a summary, a description and a runbook section in docs/alerts.md', async () => {
    const docs = await readFile(join(import.meta.dirname, '../../../docs/alerts.md'), 'utf8');
    const anchors = new Set([...docs.matchAll(/^#{2,4} (.+)$/gm)].map((m) => githubAnchor(m[1] ?? '')));
    for (const r of await readAlertRules()) {
      expect(['critical', 'warning'], r.alert).toContain(r.labels['severity']);
      expect(r.annotations['summary'], r.alert).toBeTruthy();
      expect(r.annotations['description'], r.alert).toMatch(/\{\{ \$(labels|value)/);
      const url = r.annotations['runbook_url'] ?? '';
      expect(url, r.alert).toBe(
        `https://github.com/lvs-operator/lvs-operator/blob/main/docs/alerts.md#${r.alert.toLowerCase()}`,
      );
      expect(anchors, r.alert).toContain(r.alert.toLowerCase());
    }
  });
});

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
function githubAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');
}
