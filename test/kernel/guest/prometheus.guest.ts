/**
 * Inside the kernel harness (Linux 6.1 with IPVS): a standalone director with a VrrpGroup and
 * a NAT VirtualServer whose real servers live in network namespaces (one of them with nothing
 * listening, so a health check fails), client traffic through the VIP, and the Debian
 * Prometheus (/usr/bin/prometheus, through hostfs) scraping the director every second with the
 * chart's alert rules loaded. Every panel of the dashboard must find data, the rules must load
 * and evaluate, and the no-master rule stay inactive while the director is master.
 * With LVS_PROMETHEUS_KEEP_DIR set (a shared directory), the third real server comes up after
 * the tests and a minute later Prometheus' storage is copied there, with the time window in
 * window.json, for hack/dashboard-snapshot.ts (docs/alerts.md).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { waitFor } from '../../support/netns.js';
import {
  ALERTS_FILE,
  panelQueries,
  readAlertRules,
  readDashboard,
  substituteVariables,
} from '../../support/monitoring.js';
import { modprobe, sh, standaloneDirectorArgs } from './kernel-shell.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const PROMETHEUS = '/usr/bin/prometheus';
const METRICS = '127.0.0.1:9474';
const PROM = 'http://127.0.0.1:9491';
const VIP = '10.78.1.100';
const NAMESPACES = ['lvs-prom-cl', 'lvs-prom-be1', 'lvs-prom-be2', 'lvs-prom-be3'];

const SERVER = `require('node:net').createServer((s) => {
  s.once('data', () => s.end('HTTP/1.0 200 OK\\r\\n\\r\\n' + process.argv[1]));
  s.on('error', () => {});
}).listen(8080);`;

// A request through the VIP every 100 ms, until killed.
const CLIENT = `const net = require('node:net');
setInterval(() => {
  const s = net.connect(80, '${VIP}', () => s.write('GET / HTTP/1.0\\r\\n\\r\\n'));
  s.on('data', () => {});
  s.on('error', () => {});
  s.setTimeout(2000, () => s.destroy());
}, 100);`;

const MANIFESTS = `apiVersion: lvs.io/v1alpha1
kind: VrrpGroup
metadata: { name: vi }
spec:
  virtualRouterId: 78
  interface: vp-cl
  priority: 150
  advertInterval: 1s
  virtualIPs: [{ address: ${VIP}/32 }]
---
apiVersion: lvs.io/v1alpha1
kind: VirtualServer
metadata: { name: web }
spec:
  addresses: [{ ip: ${VIP}, port: 80 }]
  forwarding: NAT
  scheduler: rr
  vrrpGroupRef: { name: vi }
  healthChecks: [{ type: TCP, interval: 1s, timeout: 1s, retry: 0 }]
  realServers:
    - { address: 10.78.2.2, port: 8080 }
    - { address: 10.78.3.2, port: 8080 }
    - { address: 10.78.4.2, port: 8080 }
`;

const PROMETHEUS_CONFIG = `global: { scrape_interval: 1s, evaluation_interval: 1s }
rule_files: ['${ALERTS_FILE}']
scrape_configs:
  - job_name: lvs-operator-director
    static_configs: [{ targets: ['${METRICS}'] }]
`;

const processes: ChildProcess[] = [];
const logs = new Map<string, string[]>();
let work = '';
let startedAt = 0;

function start(name: string, cmd: string, args: string[]): ChildProcess {
  const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  logs.set(name, lines);
  for (const s of [child.stdout, child.stderr]) s.on('data', (b: Buffer) => lines.push(...b.toString().split('\n')));
  processes.push(child);
  return child;
}

const netns = (ns: string, ...cmd: string[]) => sh('ip', ['netns', 'exec', ns, ...cmd]);

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, host, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

interface Series {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

/** An instant query through the HTTP API; throws on a query error. */
async function query(expr: string): Promise<Series[]> {
  const r = await fetch(`${PROM}/api/v1/query?${new URLSearchParams({ query: expr })}`);
  const body = (await r.json()) as { status: string; error?: string; data?: { result: Series[] } };
  if (body.status !== 'success') throw new Error(`${expr}: ${body.error ?? r.status}`);
  return body.data?.result ?? [];
}

function network(): void {
  modprobe('veth');
  modprobe('ip_vs_rr');
  sh('sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1']);
  const link = (ns: string, host: string, subnet: string) => {
    sh('ip', ['netns', 'add', ns]);
    sh('ip', ['link', 'add', host, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    sh('ip', ['addr', 'add', `${subnet}.1/24`, 'dev', host]);
    sh('ip', ['link', 'set', host, 'up']);
    netns(ns, 'ip', 'addr', 'add', `${subnet}.2/24`, 'dev', 'eth0');
    netns(ns, 'ip', 'link', 'set', 'eth0', 'up');
    netns(ns, 'ip', 'link', 'set', 'lo', 'up');
    netns(ns, 'ip', 'route', 'add', 'default', 'via', `${subnet}.1`);
  };
  link('lvs-prom-cl', 'vp-cl', '10.78.1');
  for (const i of [1, 2, 3]) link(`lvs-prom-be${i}`, `vp-be${i}`, `10.78.${i + 1}`);
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'lvs-prometheus-'));
  network();
  // be3 listens nowhere: its health check fails.
  for (const i of [1, 2]) {
    start(`be${i}`, 'ip', ['netns', 'exec', `lvs-prom-be${i}`, process.execPath, '-e', SERVER, `be${i}`]);
    await waitFor(() => reachable(`10.78.${i + 1}.2`, 8080), { what: `backend be${i}`, timeoutMs: 30_000 });
  }
  await mkdir(join(work, 'manifests'));
  await writeFile(join(work, 'manifests', 'lb.yaml'), MANIFESTS);
  start(
    'director',
    process.execPath,
    standaloneDirectorArgs({
      node: 'n1',
      manifests: join(work, 'manifests'),
      stateDir: join(work, 'state'),
      metricsAddress: METRICS,
    }),
  );
  await writeFile(join(work, 'prometheus.yml'), PROMETHEUS_CONFIG);
  startedAt = Date.now() / 1000;
  start('prometheus', PROMETHEUS, [
    `--config.file=${join(work, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(work, 'data')}`,
    '--web.listen-address=127.0.0.1:9491',
    '--log.level=warn',
  ]);
  await waitFor(async () => (await query('lvs_vrrp_state{state="master"} == 1').catch(() => [])).length === 1, {
    what: 'the director master, seen by Prometheus',
    timeoutMs: 90_000,
  });
  start('client', 'ip', ['netns', 'exec', 'lvs-prom-cl', process.execPath, '-e', CLIENT]);
  await waitFor(
    async () =>
      (await query('sum(rate(lvs_ipvs_backend_connections_total[15s])) > 0').catch(() => [])).length === 1 &&
      (await query('lvs_health_real_server_up == 0').catch(() => [])).length === 1,
    { what: 'traffic through the VIP and the down real server, in Prometheus', timeoutMs: 60_000 },
  );
  // Long enough for every rate window below to hold samples of the traffic.
  await new Promise((r) => setTimeout(r, 20_000));
}, 240_000);

afterAll(async () => {
  const keep = process.env['LVS_PROMETHEUS_KEEP_DIR'];
  const prometheus = processes.find((p) => p.spawnfile === PROMETHEUS);
  if (keep && prometheus && work) {
    // For the picture: be3 comes up, and a minute more of scrapes shows the recovery.
    start('be3', 'ip', ['netns', 'exec', 'lvs-prom-be3', process.execPath, '-e', SERVER, 'be3']);
    await new Promise((r) => setTimeout(r, 60_000));
    // A clean stop writes the head out, so a Prometheus started on the copy serves it all.
    const stopped = new Promise((r) => prometheus.once('exit', r));
    prometheus.kill('SIGTERM');
    await Promise.race([stopped, new Promise((r) => setTimeout(r, 20_000))]);
    await cp(join(work, 'data'), join(keep, 'data'), { recursive: true });
    await writeFile(join(keep, 'window.json'), JSON.stringify({ start: startedAt, end: Date.now() / 1000 }));
  }
  for (const p of processes) p.kill('SIGKILL');
  for (const ns of NAMESPACES) {
    if (existsSync(`/run/netns/${ns}`)) sh('ip', ['netns', 'del', ns]);
  }
  if (work) await rm(work, { recursive: true, force: true });
}, 150_000);

it('Prometheus scrapes the director', async () => {
  const up = await query('up{job="lvs-operator-director"}');
  expect(up.map((s) => s.value[1])).toEqual(['1']);
});

it("every panel's queries run, and each panel finds at least one series", async () => {
  const byPanel = new Map<string, { refId: string; series: number }[]>();
  for (const q of panelQueries(await readDashboard())) {
    const series = (await query(substituteVariables(q.expr, '30s'))).length;
    byPanel.set(q.panel, [...(byPanel.get(q.panel) ?? []), { refId: q.refId, series }]);
  }
  const empty = [...byPanel].filter(([, qs]) => qs.every((q) => q.series === 0)).map(([panel]) => panel);
  expect(empty).toEqual([]);
  expect(byPanel.size).toBeGreaterThan(25);
}, 60_000);

it('the template variables list the director, its group, its virtual server and its VIP', async () => {
  const values = async (label: string, match: string) => {
    const r = await fetch(`${PROM}/api/v1/label/${label}/values?${new URLSearchParams({ 'match[]': match })}`);
    return ((await r.json()) as { data: string[] }).data;
  };
  expect(await values('instance', 'lvs_director_services')).toEqual([METRICS]);
  expect(await values('group', 'lvs_vrrp_state')).toEqual(['default/vi']);
  expect(await values('vs', 'lvs_health_real_server_up')).toEqual(['default/web']);
  expect(await values('local_address', 'lvs_ipvs_service_connections_total')).toEqual([VIP]);
});

it('the alert rules load and evaluate; no-master is inactive while the director is master', async () => {
  interface Rule {
    readonly name: string;
    readonly health: string;
    readonly state: string;
    readonly lastError?: string;
  }
  const loaded = async () => {
    const r = await fetch(`${PROM}/api/v1/rules?type=alert`);
    const body = (await r.json()) as { data: { groups: { rules: Rule[] }[] } };
    return body.data.groups.flatMap((g) => g.rules);
  };
  await waitFor(async () => (await loaded()).every((r) => r.health === 'ok'), { what: 'every rule evaluated' });
  const rules = await loaded();
  // The API lists the groups by name.
  expect(rules.map((r) => r.name).sort()).toEqual((await readAlertRules()).map((r) => r.alert).sort());
  expect(rules.filter((r) => r.lastError)).toEqual([]);
  expect(await query('lvs_vrrp_state{state="master"} == 1')).toHaveLength(1);
  expect(rules.find((r) => r.name === 'LvsVrrpNoMaster')?.state).toBe('inactive');
  expect(rules.find((r) => r.name === 'LvsVrrpSplitBrain')?.state).toBe('inactive');
  expect(rules.find((r) => r.name === 'LvsDirectorDown')?.state).toBe('inactive');
});
