import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { systemClock, createRootLogger } from '../core/index.js';
import {
  DEFAULT_LIST_OPTIONS,
  DirectoryOwnershipStore,
  IpvsReconciler,
  conflictMessage,
  canonicalAddress,
  createNetlinkClient,
  formatList,
  formatOp,
  formatRules,
  parseRules,
  planOwnedTable,
  recordOwnership,
  serviceId,
  systemNameLookup,
  type IpvsClient,
  type ServiceKey,
} from '../ipvs/index.js';
import { ReportedFailure, UsageError } from './exit.js';

/**
 * Where `lvsctl ipvs apply` records the services it created, across runs: one file per service
 * (a record of earlier versions at the same path + ".json" is migrated into it).
 */
export const DEFAULT_IPVS_STATE = '/var/lib/lvs-operator/ipvs-owned';

interface ListFlags {
  numeric?: boolean;
  stats?: boolean;
  rate?: boolean;
  exact?: boolean;
  sort?: boolean;
  nosort?: boolean;
  thresholds?: boolean;
  persistentConn?: boolean;
  tcpService?: string;
  udpService?: string;
  sctpService?: string;
  fwmarkService?: string;
  ipv6?: boolean;
}

/** The -t/-u/--sctp-service/-f filter as a service key. */
function filterOf(f: ListFlags): ServiceKey | undefined {
  const given = [f.tcpService, f.udpService, f.sctpService, f.fwmarkService].filter((x) => x !== undefined);
  if (given.length > 1) throw new UsageError('give one of -t, -u, --sctp-service, -f');
  if (f.fwmarkService !== undefined) {
    if (!/^\d+$/.test(f.fwmarkService)) throw new UsageError(`bad firewall mark "${f.fwmarkService}"`);
    return { kind: 'fwmark', af: f.ipv6 ? 'inet6' : 'inet', fwmark: Number(f.fwmarkService) };
  }
  const text = f.tcpService ?? f.udpService ?? f.sctpService;
  if (text === undefined) return undefined;
  const protocol = f.tcpService !== undefined ? 'tcp' : f.udpService !== undefined ? 'udp' : 'sctp';
  const m = /^\[(.+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  const addr = m?.[1] ? canonicalAddress(m[1]) : undefined;
  if (!m?.[2] || !addr || Number(m[2]) > 65535) throw new UsageError(`bad service address "${text}"`);
  return { kind: 'addr', af: addr.af, protocol, address: addr.address, port: Number(m[2]) };
}

async function withClient<T>(fn: (client: IpvsClient) => Promise<T>): Promise<T> {
  const client = await createNetlinkClient({ log: createRootLogger({ level: 'warn' }) });
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

async function list(flags: ListFlags): Promise<void> {
  const service = filterOf(flags);
  await withClient(async (client) => {
    const [info, table] = [await client.info(), await client.dump()];
    if (service && !table.some((s) => serviceId(s.key) === serviceId(service))) {
      process.stderr.write('No such service\n');
      throw new ReportedFailure('no such service');
    }
    const names = flags.numeric ? undefined : await systemNameLookup(table);
    const opts = {
      ...DEFAULT_LIST_OPTIONS,
      numeric: flags.numeric === true,
      stats: flags.stats === true,
      rate: flags.rate === true,
      exact: flags.exact === true,
      thresholds: flags.thresholds === true,
      persistentConn: flags.persistentConn === true,
      nosort: flags.nosort === true,
      ...(service ? { service } : {}),
    };
    process.stdout.write(formatList(info, table, opts, names));
  });
}

async function save(flags: { numeric?: boolean }): Promise<void> {
  await withClient(async (client) => {
    const table = await client.dump();
    const names = flags.numeric ? undefined : await systemNameLookup(table);
    process.stdout.write(formatRules(table, flags.numeric === true, names));
  });
}

async function apply(file: string, flags: { drainMs: string; state: string; dryRun?: boolean }): Promise<void> {
  const drainMs = Number(flags.drainMs);
  if (!Number.isInteger(drainMs) || drainMs < 0) throw new UsageError(`bad --drain-ms "${flags.drainMs}"`);
  const parsed = parseRules(await readFile(file, 'utf8'));
  if (!parsed.ok) {
    for (const i of parsed.issues) process.stderr.write(`${file}:${i.line}: ${i.message}\n`);
    throw new ReportedFailure('invalid rules');
  }
  const drain = { drainMs, deleteWhenIdle: true, udpImmediate: true };
  const ownership = new DirectoryOwnershipStore({ dir: flags.state });
  await withClient(async (client) => {
    if (flags.dryRun) {
      const observed = await client.dump();
      const present = new Set(observed.map((s) => serviceId(s.key)));
      // The same decision a reconciler's full pass makes (and `lvsctl plan` predicts).
      const { plan, conflicts } = planOwnedTable({
        desired: parsed.services,
        observed,
        ownership: recordOwnership(await ownership.load(), [], (id) => present.has(id)),
        draining: new Map(),
        nowMs: 0,
        drain,
      });
      for (const c of conflicts) process.stderr.write(`conflict: ${conflictMessage(c)}\n`);
      for (const op of plan.ops) process.stdout.write(formatOp(op) + '\n');
      return;
    }
    const log = createRootLogger({ level: 'warn' });
    const reconciler = new IpvsReconciler({ client, log, clock: systemClock, ownership, drain });
    const report = await reconciler.setDesired(parsed.services);
    for (const f of report.failed) process.stderr.write(`failed: ${formatOp(f.op)}: ${f.error?.message ?? ''}\n`);
    const conflicts = reconciler.conflicts();
    for (const c of conflicts) process.stderr.write(`conflict: ${conflictMessage(c)}\n`);
    const fault = reconciler.recordFault();
    if (fault) process.stderr.write(`${fault.message}\n`);
    process.stderr.write(
      `${report.results.length} changes, ${report.failed.length} failed${report.waiting ? `, ${report.waiting} draining` : ''}\n`,
    );
    if (report.failed.length > 0) throw new ReportedFailure('some changes failed');
    if (conflicts.length > 0) throw new ReportedFailure('services owned by another tool left untouched');
    if (fault) throw new ReportedFailure('ownership record not written');
  });
}

/** `lvsctl ipvs list|save|apply`: the kernel IPVS table, read as ipvsadm prints it, or written. */
export function registerIpvs(program: Command): void {
  const ipvs = program.command('ipvs').description('Read and write the kernel IPVS table');
  ipvs
    .command('list')
    .description('List the table exactly as `ipvsadm -L` does with the same flags')
    .option('-n, --numeric', 'numeric addresses and ports')
    .option('--stats', 'counters')
    .option('--rate', 'rates')
    .option('--exact', 'exact counter values')
    .option('--sort', 'sort (the default; kept for ipvsadm compatibility)')
    .option('--nosort', 'kernel order')
    .option('--thresholds', 'destination thresholds')
    .option('--persistent-conn', 'persistent connection counts')
    .option('-t, --tcp-service <addr:port>', 'only this TCP service')
    .option('-u, --udp-service <addr:port>', 'only this UDP service')
    .option('--sctp-service <addr:port>', 'only this SCTP service')
    .option('-f, --fwmark-service <mark>', 'only this firewall-mark service')
    .addOption(new Option('-6, --ipv6', 'the firewall-mark service is IPv6'))
    .action((flags: ListFlags) => list(flags));
  ipvs
    .command('save')
    .description('Print the table as ipvsadm-restore rules, as `ipvsadm -S` does')
    .option('-n, --numeric', 'numeric addresses and ports')
    .action((flags: { numeric?: boolean }) => save(flags));
  ipvs
    .command('apply')
    .description('Make the table match a rules file (ipvsadm -S format); touches only services it owns, never flushes')
    .argument('<file>', 'rules file')
    .option(
      '--drain-ms <ms>',
      'keep removed real servers at weight 0 this long before deleting them (0: delete at once)',
      '0',
    )
    .option('--state <dir>', 'record of the services this command created, one file per service', DEFAULT_IPVS_STATE)
    .option('--dry-run', 'print the changes as ipvsadm commands instead of making them')
    .action((file: string, flags: { drainMs: string; state: string; dryRun?: boolean }) => apply(file, flags));
}
