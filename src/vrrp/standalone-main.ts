/**
 * Runs the VRRP speaker alone from a JSON file (see standalone-config.ts):
 *
 *   node dist/src/vrrp/standalone-main.js --config vrrp.json [--metrics-file m.prom] [--status-file s.json]
 *     [--vip-record FILE]
 *
 * Without --vip-record the record of the VIPs it added lives in memory (IPv4 labels still
 * mark them for the next run).
 *
 * SIGTERM / SIGINT stop gracefully (priority 0, VIPs released) and exit 0. SIGUSR2 writes the
 * metrics (Prometheus text) and the status (JSON) files. Used by the netns tests and bench/.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { systemClock } from '../core/clock.js';
import { createRootLogger } from '../core/logger.js';
import { createRegistry } from '../metrics/registry.js';
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
import { rawTransportFactory } from './raw-transport.js';
import { VrrpSpeaker } from './speaker.js';
import { parseStandaloneConfig } from './standalone-config.js';
import { FileVipRecordStore, MemoryVipRecordStore } from './vip-record.js';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string' },
      'metrics-file': { type: 'string' },
      'status-file': { type: 'string' },
      'log-level': { type: 'string' },
      'vip-record': { type: 'string' },
    },
  });
  if (!values.config) {
    process.stderr.write('usage: standalone-main --config FILE [--metrics-file FILE] [--status-file FILE]\n');
    return 2;
  }
  const log = createRootLogger({ ...(values['log-level'] ? { level: values['log-level'] } : {}), pretty: false });
  const instances = parseStandaloneConfig(JSON.parse(readFileSync(values.config, 'utf8')));
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
