/**
 * The demo's eyes in a director's namespace:
 *
 *   node probe.js [--status http://127.0.0.1:9400/status] [--interval-ms 500]
 *
 * Every interval it asks the agent for its /status (the document `lvsctl status` shows: VRRP,
 * the IPVS table with the kernel's rates, real server health), parses it with the document's
 * schema, and writes it as one JSON line (a {@link ProbeSnapshot}).
 */
import { parseArgs } from 'node:util';
import { parseStatusDocument } from '../status/index.js';
import type { ProbeSnapshot } from './state.js';

/** The agent's document, or agentUp false when it did not answer with one in time. */
export async function probeStatus(url: string, timeoutMs: number): Promise<ProbeSnapshot> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return { agentUp: false };
    const parsed = parseStatusDocument(await res.json());
    return parsed.ok ? { agentUp: true, status: parsed.document } : { agentUp: false };
  } catch {
    return { agentUp: false };
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      status: { type: 'string', default: 'http://127.0.0.1:9400/status' },
      'interval-ms': { type: 'string', default: '500' },
    },
  });
  const intervalMs = Number(values['interval-ms']);
  for (;;) {
    const started = performance.now();
    // Generous: inside user-mode-linux a busy agent can take a second to answer.
    const snapshot = await probeStatus(values.status, Math.max(2000, intervalMs));
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
