/**
 * The demo's eyes in a director's namespace:
 *
 *   node probe.js [--metrics http://127.0.0.1:9400/metrics] [--interval-ms 500]
 *
 * Every interval it dumps the namespace's IPVS table (with counters) over our netlink client,
 * reads the agent's /metrics for VRRP state and real server health, and writes the result as
 * one JSON line (a {@link ProbeSnapshot}).
 */
import { parseArgs } from 'node:util';
import { createRootLogger } from '../core/index.js';
import { createNetlinkClient, type ObservedService } from '../ipvs/index.js';
import type { ProbeSnapshot, ServiceSnapshot } from './state.js';

const FORWARDING: Readonly<Record<string, string>> = {
  droute: 'Route',
  masq: 'Masq',
  tunnel: 'Tunnel',
  local: 'Local',
  bypass: 'Bypass',
};

/** Our IPVS dump as the view's plain, JSON-safe structure. */
export function servicesOf(table: readonly ObservedService[]): ServiceSnapshot[] {
  return table.flatMap((s): ServiceSnapshot[] =>
    s.key.kind !== 'addr'
      ? []
      : [
          {
            protocol: s.key.protocol.toUpperCase(),
            address: s.key.address,
            port: s.key.port,
            scheduler: s.scheduler,
            destinations: s.destinations.map((d) => ({
              address: d.key.address,
              port: d.key.port,
              forwarding: FORWARDING[d.forwarding] ?? d.forwarding,
              weight: d.weight,
              activeConns: d.activeConns,
              inactiveConns: d.inactiveConns,
              conns: Number(d.stats.conns),
              inPkts: Number(d.stats.inPkts),
            })),
          },
        ],
  );
}

const labelsOf = (text: string): Map<string, string> =>
  new Map([...text.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] ?? '', m[2] ?? '']));

/** VRRP states and real server health out of Prometheus text from the agent. */
export function parseAgentMetrics(text: string): Pick<ProbeSnapshot, 'vrrp' | 'health'> {
  const vrrp: { group: string; state: string }[] = [];
  const health: { rs: string; up: boolean }[] = [];
  for (const line of text.split('\n')) {
    const m = /^(lvs_vrrp_state|lvs_health_real_server_up)\{([^}]*)\}\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = labelsOf(m[2] ?? '');
    if (m[1] === 'lvs_vrrp_state' && m[3] === '1') {
      vrrp.push({ group: labels.get('group') ?? '', state: (labels.get('state') ?? '').toUpperCase() });
    } else if (m[1] === 'lvs_health_real_server_up') {
      health.push({ rs: labels.get('rs') ?? '', up: m[3] === '1' });
    }
  }
  return { vrrp, health };
}

async function fetchMetrics(url: string, timeoutMs: number): Promise<string | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return res.ok ? await res.text() : undefined;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      metrics: { type: 'string', default: 'http://127.0.0.1:9400/metrics' },
      'interval-ms': { type: 'string', default: '500' },
    },
  });
  const intervalMs = Number(values['interval-ms']);
  const client = await createNetlinkClient({ log: createRootLogger({ level: 'silent', pretty: false }) });
  for (;;) {
    const started = performance.now();
    const [table, text] = await Promise.all([
      client.dump().catch(() => [] as ObservedService[]),
      // Generous: inside user-mode-linux a busy agent can take a second to answer.
      fetchMetrics(values.metrics, Math.max(2000, intervalMs)),
    ]);
    const snapshot: ProbeSnapshot = {
      agentUp: text !== undefined,
      ...(text !== undefined ? parseAgentMetrics(text) : { vrrp: [], health: [] }),
      ipvs: servicesOf(table),
    };
    process.stdout.write(`${JSON.stringify(snapshot)}\n`);
    await new Promise((r) => setTimeout(r, Math.max(50, intervalMs - (performance.now() - started))));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    process.stderr.write(`probe: ${String(err)}\n`);
    process.exit(1);
  });
}
