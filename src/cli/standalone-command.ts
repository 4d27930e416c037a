import { ModelCache, type SecretResolver } from '../model/index.js';
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { secretValue, type ManifestObject, type Secret } from '../api/index.js';
import { systemClock, systemWallClock, createRootLogger, type Logger } from '../core/index.js';
import { createRegistry, startMetricsServer } from '../metrics/index.js';
import { ANY_COMMAND } from '../net/index.js';
import type { PassReport } from '../realserver/index.js';
import { FolderSource, type ManifestSnapshot } from '../sources/index.js';
import { NodeEventLog, type NodeIssue, type NodeRole, type NodeStatusItem } from '../status/index.js';
import { DirectorReporter } from './director-report.js';
import { createDirectorRuntime, type DirectorRuntime } from './director-runtime.js';
import { UsageError } from './exit.js';
import {
  collect,
  directorTuningOptions,
  packageVersion,
  parseDirectorTuning,
  parseLabel,
  parseListenAddress,
  type DirectorTuning,
  type DirectorTuningFlags,
} from './flags.js';
import { createRealserverRuntime, type RealserverRuntime } from './realserver-runtime.js';
import { notReadyReasons, PassQueue, startTicker, waitForStopSignal } from './role-loop.js';
import { realserverReport, realserverStatusPart, statusDocument } from './status-document.js';

const ROLES = ['director', 'realserver', 'both'] as const;
/** How often VRRP and health changes are looked for, for the Events /status lists. */
const REPORT_INTERVAL_MS = 1_000;

interface StandaloneFlags extends DirectorTuningFlags {
  manifests: string;
  role: string;
  node: string;
  nodeLabel: string[];
  stateDir: string;
  metricsAddress: string;
  removeIpvsOnExit?: boolean;
  scriptSecurity?: boolean;
  logLevel: string;
}

/** `lvs-operator standalone`: the roles from a folder of manifests, no cluster. */
export function registerStandalone(program: Command): void {
  directorTuningOptions(program.command('standalone'))
    .description('Run the director and/or realserver role from a folder of manifests, without Kubernetes')
    .requiredOption('--manifests <dir>', 'folder of lvs.io manifests (and v1 Secrets), watched for changes')
    .option('--role <role>', `${ROLES.join(', ')}`, 'both')
    .option('--node <name>', "this node's name, as used in nodes[] overrides and RealServer.node", hostname())
    .option('--node-label <key=value>', 'a label of this node, for VrrpGroup nodeSelectors (repeatable)', collect, [])
    .option('--state-dir <dir>', 'where ownership records are kept across restarts', '/var/lib/lvs-operator')
    .option(
      '--metrics-address <host:port>',
      '/metrics, /healthz, /readyz and /status (lvsctl status)',
      '127.0.0.1:9400',
    )
    .option('--remove-ipvs-on-exit', 'on SIGTERM also remove the IPVS services this agent owns (default: keep them)')
    .option(
      '--script-security',
      "keepalived's enable_script_security: do not run a MISC check, notify hook or track script as root when anyone but root can change its file or a folder on its path",
    )
    .option('--log-level <level>', 'trace, debug, info, warn or error', process.env['LOG_LEVEL'] ?? 'info')
    .addHelpText(
      'after',
      '\nSignals: SIGTERM/SIGINT stop gracefully (VRRP priority 0, VIPs kept until the new master is\nseen, then released; IPVS kept unless --remove-ipvs-on-exit; a realserver keeps its VIPs so\nconnections survive a restart). SIGHUP reloads the manifests now.\n\nA missing or unreadable --manifests folder keeps the last good state (/readyz answers 503\nwith the reason) until it is back; an existing folder without manifests removes everything.',
    )
    .action(async (flags: StandaloneFlags) => {
      if (!(ROLES as readonly string[]).includes(flags.role))
        throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
      const labels = Object.fromEntries(flags.nodeLabel.map((l) => parseLabel(l, '--node-label')));
      const listen = parseListenAddress(flags.metricsAddress);
      const tuning = parseDirectorTuning(flags);
      const log = createRootLogger({ level: flags.logLevel, node: flags.node });
      await runStandalone({ ...flags, labels, listen, log, tuning });
    });
}

async function runStandalone(
  o: StandaloneFlags & {
    labels: Record<string, string>;
    listen: { host: string; port: number };
    log: Logger;
    tuning: DirectorTuning;
  },
): Promise<void> {
  const { log } = o;
  const clock = systemClock;
  const registry = createRegistry({ version: packageVersion() });
  await mkdir(o.stateDir, { recursive: true });
  const source = new FolderSource({ dir: o.manifests, log, registry, clock });
  // Secrets of the folder: the snapshot a pass normalises reads them.
  let objects: readonly ManifestObject[] = [];
  const resolveSecret: SecretResolver = (ns, name, key) => {
    const s = objects.find(
      (x): x is Secret => x.kind === 'Secret' && x.metadata.namespace === ns && x.metadata.name === name,
    );
    return s ? secretValue(s, key) : undefined;
  };
  const models = new ModelCache();
  const runsDirector = o.role !== 'realserver';
  const runsRealserver = o.role !== 'director';
  const director: DirectorRuntime | undefined = runsDirector
    ? await createDirectorRuntime({
        node: { name: o.node, labels: o.labels },
        log,
        registry,
        clock,
        stateDir: o.stateDir,
        tuning: o.tuning,
        // The folder is root's (keepalived's trust model): every command runs.
        commandPolicy: ANY_COMMAND,
        scriptSecurity: o.scriptSecurity === true,
      })
    : undefined;
  const realserver: RealserverRuntime | undefined = runsRealserver
    ? await createRealserverRuntime({ nodeName: o.node, log, registry, clock, stateDir: o.stateDir })
    : undefined;

  // Changes are applied one pass at a time, the newest snapshot winning.
  let latest: ManifestSnapshot | undefined;
  let lastPass: PassReport | undefined;
  const passes = new PassQueue(async () => {
    objects = (latest?.objects ?? []).map((l) => l.object);
    // The edge: both roles consume the one normalised model.
    const model = models.build(objects, resolveSecret);
    const [, pass] = await Promise.all([director?.director.setModel(model), realserver?.sync(model)]);
    if (pass) lastPass = pass;
  }, log);

  // What the node reports, as the cluster roles do, without an API server: the Events of its
  // transitions are kept for /status (the last RECENT_EVENTS) and the items and issues are
  // its conditions there.
  const reporter = director ? new DirectorReporter(o.node, director, systemWallClock) : undefined;
  const nodeReport = () => {
    const items: NodeStatusItem[] = [];
    const issues: NodeIssue[] = [];
    for (const r of [reporter?.report(), realserver ? realserverReport(o.node, lastPass) : undefined]) {
      items.push(...(r?.items ?? []));
      issues.push(...(r?.issues ?? []));
    }
    return { items, issues };
  };
  const events = new NodeEventLog(o.node, systemWallClock);
  const stopTicker = startTicker(clock, REPORT_INTERVAL_MS, () => {
    const { items, issues } = nodeReport();
    events.observe(items, issues);
  });
  const roles: NodeRole[] = [
    ...(director ? ['director' as const] : []),
    ...(realserver ? ['realserver' as const] : []),
  ];
  const apply = (snapshot: ManifestSnapshot) => {
    latest = snapshot;
    void passes.request(); // the queue logs a failed pass; the next change or resync retries
  };
  source.onChange(apply);
  const metrics = await startMetricsServer({
    registry,
    log,
    ...o.listen,
    documents: {
      '/status': statusDocument({
        node: o.node,
        roles,
        wallClock: systemWallClock,
        report: nodeReport,
        parts: async () => ({
          ...(reporter ? { director: await reporter.section() } : {}),
          ...(realserver ? { realserver: realserverStatusPart(lastPass) } : {}),
        }),
        events,
      }),
    },
    readiness: () => {
      // A missing or unreadable folder is not "nothing desired": the node keeps its last good
      // state, and readiness says why it is not following the folder.
      const folder = source.unavailableReason();
      return [
        ...(folder === undefined ? [] : [folder]),
        ...notReadyReasons([
          ...(director ? [{ name: 'director', isSynced: director.isSynced, faults: director.faults }] : []),
          ...(realserver ? [{ name: 'realserver', isSynced: realserver.isSynced }] : []),
        ]),
      ];
    },
  });
  // The listener applies the first snapshot read; none while the folder is unavailable, so a
  // start without the folder adopts and keeps what a previous run programmed.
  await source.start();
  log.info({ role: o.role, manifests: o.manifests, metrics: metrics.url }, 'standalone agent started');

  await waitForStopSignal(log, () => void source.reload());
  source.stop();
  stopTicker();
  await passes.idle();
  await director?.close({ removeIpvs: o.removeIpvsOnExit === true });
  await realserver?.close();
  await metrics.close();
  log.info('stopped');
}
