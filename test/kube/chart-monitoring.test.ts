import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { repoRoot } from './cluster.js';
import { kubeTools, type KubeTools } from './tools.js';

const run = promisify(execFile);
const CHART = join(repoRoot, 'charts', 'lvs-operator');
const NS = 'lvs-system';

interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
  readonly spec?: { readonly groups?: unknown };
  readonly data?: Record<string, string>;
}

// helm template only: the monitoring objects need the Prometheus Operator's CRDs, which the
// tier's API server does not have.
describe('Helm chart: alert rules and dashboard', () => {
  let tools: KubeTools | undefined;
  beforeAll(async () => {
    tools = await kubeTools();
  });

  const helm = (...args: string[]) => run(tools?.helm ?? 'helm', args, { maxBuffer: 16 << 20 });
  const render = async (...sets: string[]): Promise<Manifest[]> => {
    const { stdout } = await helm('template', 'lb', CHART, '--namespace', NS, ...sets.flatMap((s) => ['--set', s]));
    return parseAllDocuments(stdout)
      .map((d) => d.toJS() as Manifest | null)
      .filter((m): m is Manifest => m !== null);
  };
  const ruleOf = (ms: Manifest[]) => ms.filter((m) => m.kind === 'PrometheusRule');
  const dashboardOf = (ms: Manifest[]) =>
    ms.filter((m) => m.kind === 'ConfigMap' && m.metadata.name.endsWith('-dashboard'));

  it('renders neither by default', async (ctx) => {
    if (!tools) ctx.skip();
    const ms = await render();
    expect(ms.length).toBeGreaterThan(0);
    expect(ruleOf(ms)).toEqual([]);
    expect(dashboardOf(ms)).toEqual([]);
  });

  it("the PrometheusRule's groups are files/alerts.yaml's, with the labels and namespace asked for", async (ctx) => {
    if (!tools) ctx.skip();
    const plain = parseYaml(await readFile(join(CHART, 'files', 'alerts.yaml'), 'utf8')) as { groups: unknown };
    const [rule, ...more] = ruleOf(
      await render('metrics.prometheusRule.enabled=true', 'metrics.prometheusRule.labels.release=kps'),
    );
    expect(more).toEqual([]);
    expect(rule?.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(rule?.metadata).toMatchObject({ name: 'lb-lvs-operator', namespace: NS, labels: { release: 'kps' } });
    expect(rule?.spec?.groups).toEqual(plain.groups);
    const [elsewhere] = ruleOf(
      await render('metrics.prometheusRule.enabled=true', 'metrics.prometheusRule.namespace=monitoring'),
    );
    expect(elsewhere?.metadata.namespace).toBe('monitoring');
  });

  it('the dashboard ConfigMap carries files/dashboard.json and the sidecar label, both configurable', async (ctx) => {
    if (!tools) ctx.skip();
    const json: unknown = JSON.parse(await readFile(join(CHART, 'files', 'dashboard.json'), 'utf8'));
    const [cm, ...more] = dashboardOf(await render('metrics.grafanaDashboard.enabled=true'));
    expect(more).toEqual([]);
    expect(cm?.metadata).toMatchObject({ name: 'lb-lvs-operator-dashboard', namespace: NS });
    expect(cm?.metadata.labels?.['grafana_dashboard']).toBe('1');
    expect(cm?.metadata.annotations).toBeUndefined();
    expect(JSON.parse(cm?.data?.['lvs-operator.json'] ?? '')).toEqual(json);
    const [custom] = dashboardOf(
      await render(
        'metrics.grafanaDashboard.enabled=true',
        // Helm merges maps with the defaults: null removes a default key.
        'metrics.grafanaDashboard.labels.grafana_dashboard=null',
        'metrics.grafanaDashboard.labels.dashboards=lb',
        'metrics.grafanaDashboard.annotations.grafana_folder=Load balancing',
        'metrics.grafanaDashboard.namespace=grafana',
      ),
    );
    expect(custom?.metadata.namespace).toBe('grafana');
    expect(custom?.metadata.labels?.['dashboards']).toBe('lb');
    expect(custom?.metadata.labels).not.toHaveProperty('grafana_dashboard');
    expect(custom?.metadata.annotations).toEqual({ grafana_folder: 'Load balancing' });
  });

  it('the values schema refuses unknown and mistyped monitoring values', async (ctx) => {
    if (!tools) ctx.skip();
    await expect(render('metrics.prometheusRule.enabled=yes please')).rejects.toThrow(/enabled/);
    await expect(render('metrics.prometheusRule.severity=page')).rejects.toThrow(/severity/);
    await expect(render('metrics.grafanaDashboard.folder=x')).rejects.toThrow(/folder/);
    await expect(render('metrics.grafanaDashboard.namespace=Not_A_Namespace')).rejects.toThrow(/namespace/);
  });
});
