/**
 * `ipvsadm -Ln --stats` and `lvsctl ipvs list -n --stats` side by side: the same text, and
 * connection counters equal to what the client counted per backend, in both and in the
 * director agent's /metrics.
 */
import { expect } from 'vitest';
import type { E2eLab, TrafficSummary } from './e2e-lab.js';

/** The Conns column of a `--stats` line for `addrPort` (service `TCP  a:p` or `-> a:p`). */
export function connsOf(stats: string, addrPort: string, kind: 'service' | 'dest'): number | undefined {
  const escaped = addrPort.replaceAll('.', '\\.');
  const re =
    kind === 'service'
      ? new RegExp(`^TCP\\s+${escaped}\\s+(\\d+)`, 'm')
      : new RegExp(`->\\s+${escaped}\\s+(\\d+)`, 'm');
  const m = re.exec(stats);
  return m ? Number(m[1]) : undefined;
}

export async function expectStatsAgree(
  lab: E2eLab,
  director: string,
  vip: string,
  backends: Record<string, string>,
  traffic: TrafficSummary,
): Promise<void> {
  // Linux 6.1 folds the per-CPU counters into what both tools read only in the estimator's
  // 2 s timer (net/netfilter/ipvs/ip_vs_est.c), and the last connections' closing packets may
  // still move bytes and packets: compare once the connection count has caught up and two
  // ipvsadm reads around the lvsctl read agree.
  let ipvsadm = '';
  let lvsctl = '';
  for (let i = 0; i < 40; i++) {
    ipvsadm = await lab.ipvsadm(director, '-Ln', '--stats');
    if (connsOf(ipvsadm, `${vip}:80`, 'service') === traffic.ok) {
      lvsctl = await lab.lvsctl(director, 'ipvs', 'list', '-n', '--stats');
      if (lvsctl === ipvsadm && (await lab.ipvsadm(director, '-Ln', '--stats')) === ipvsadm) break;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  expect(lvsctl).toBe(ipvsadm);
  expect(connsOf(ipvsadm, `${vip}:80`, 'service')).toBe(traffic.ok);
  for (const [name, addrPort] of Object.entries(backends)) {
    expect(connsOf(ipvsadm, addrPort, 'dest'), name).toBe(traffic.counts[name] ?? 0);
  }
  // The agent's /metrics reads the same kernel counters on scrape.
  const metrics = await lab.exec1(director, ['curl', '-sf', 'http://127.0.0.1:9400/metrics']);
  for (const [name, addrPort] of Object.entries(backends)) {
    const [address, port] = addrPort.split(':');
    const re = new RegExp(
      `^lvs_ipvs_backend_connections_total\\{[^}]*remote_address="${address}",remote_port="${port}"\\} (\\d+)$`,
      'm',
    );
    expect(Number(re.exec(metrics)?.[1]), `${name} in /metrics`).toBe(traffic.counts[name] ?? 0);
  }
}
