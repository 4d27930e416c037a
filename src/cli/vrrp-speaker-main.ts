/**
 * Runs the VRRP speaker alone from VrrpGroup manifests (and the Secrets they reference), planned
 * as the director plans them (vrrp-groups.ts):
 *
 *   node dist/src/cli/vrrp-speaker-main.js --manifests PATH [--manifests PATH ...] [--node NAME]
 *     [--node-label key=value ...] [--metrics-file m.prom] [--status-file s.json] [--vip-record FILE]
 *
 * PATH is a YAML or JSON file or a folder of them. --node (default the host name) and
 * --node-label pick the groups' nodeSelector and per-node overrides.
 *
 * Without --vip-record the record of the VIPs it added lives in memory (IPv4 labels still
 * mark them for the next run).
 *
 * SIGTERM / SIGINT stop gracefully (priority 0, VIPs released) and exit 0. SIGUSR2 writes the
 * metrics (Prometheus text) and the status (JSON) files. Used by the netns tests and bench/.
 */
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { parseLabel } from './flags.js';
import { systemClock, createRootLogger } from '../core/index.js';
import { createRegistry } from '../metrics/index.js';
import {
  ANY_COMMAND,
  Announcer,
  NativePacketSockets,
  NativeRawIpSockets,
  NetlinkAddresses,
  NetlinkLinks,
  NftVipFilter,
  SpawnProcessRunner,
} from '../net/index.js';
import { FileVipRecordStore, MemoryVipRecordStore, rawTransportFactory, VrrpSpeaker } from '../vrrp/index.js';
import { loadStandaloneGroups } from './vrrp-groups.js';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      manifests: { type: 'string', multiple: true },
      node: { type: 'string' },
      'node-label': { type: 'string', multiple: true },
      'metrics-file': { type: 'string' },
      'status-file': { type: 'string' },
      'log-level': { type: 'string' },
      'vip-record': { type: 'string' },
    },
  });
  if (!values.manifests) {
    process.stderr.write(
      'usage: vrrp-speaker-main --manifests PATH [--node NAME] [--node-label k=v] [--metrics-file FILE] [--status-file FILE]\n',
    );
    return 2;
  }
  const log = createRootLogger({ ...(values['log-level'] ? { level: values['log-level'] } : {}), pretty: false });
  const node = {
    name: values.node ?? hostname(),
    labels: Object.fromEntries((values['node-label'] ?? []).map((l) => parseLabel(l, '--node-label'))),
  };
  const { instances, warnings } = await loadStandaloneGroups(values.manifests, node);
  for (const warning of warnings) log.warn({ warning }, 'manifest warning');
  const registry = createRegistry({ version: '0.1.0', processMetrics: false });
  const links = new NetlinkLinks();
  const addresses = new NetlinkAddresses();
  const announcer = new Announcer(new NativePacketSockets());
  // Standalone: root's own file, every command runs (keepalived's behaviour); nft for the VIP
  // filter runs through the same runner.
  const processes = new SpawnProcessRunner({ clock: systemClock, policy: ANY_COMMAND });
  const speaker = new VrrpSpeaker({
    instances,
    clock: systemClock,
    log,
    registry,
    links,
    addresses,
    vipFilter: new NftVipFilter(processes),
    announcer,
    openTransport: rawTransportFactory(new NativeRawIpSockets()),
    commands: processes,
    vipRecord: values['vip-record'] ? new FileVipRecordStore(values['vip-record']) : new MemoryVipRecordStore(),
  });
  const dump = async (): Promise<void> => {
    if (values['metrics-file']) writeFileSync(values['metrics-file'], await registry.metrics());
    if (values['status-file']) writeFileSync(values['status-file'], JSON.stringify(speaker.status()));
  };
  process.on('SIGUSR2', () => {
    // Best effort: a failed write is reported, the speaker keeps running.
    void dump().catch((err: unknown) => log.warn({ err }, 'status dump failed'));
  });
  const problems = await speaker.start();
  if (problems.length === instances.length) return 1;
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await speaker.stop();
  await dump();
  announcer.close();
  links.close();
  addresses.close();
  log.flush();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
