import { mkdir } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Registry } from 'prom-client';
import { matchesSelector, secretValue, type Kind, type ManifestObject, type Secret } from '../api/index.js';
import {
  systemClock,
  systemWallClock,
  type Clock,
  type WallClock,
  createRootLogger,
  type Logger,
} from '../core/index.js';
import {
  createEventSink,
  createInformerMetrics,
  createStatusApplier,
  EventRecorder,
  loadKubeConfig,
  nodeFieldManager,
  ownedStatusFieldRefs,
  staleStatusRefs,
  StatusWriter,
  type CachedObject,
} from '../kube/index.js';
import { ModelCache, type Model, type SecretResolver } from '../model/index.js';
import { NodeEventLog, type NodeIssue, type NodeStatusItem } from '../status/index.js';
import { createRegistry, startMetricsServer } from '../metrics/index.js';
import type { SecretReading } from '../sources/index.js';
import { isDeleting, KubeSource, kubeClients, type SecretUnavailable } from '../sources/index.js';
import { UsageError } from './exit.js';
import { packageVersion, parseListenAddress } from './flags.js';
import { ApplyReportLoop, notReadyReasons, startTicker, waitForStopSignal } from './role-loop.js';
import { statusDocument, type StatusParts } from './status-document.js';

/** Flags shared by `lvs-operator director` and `lvs-operator realserver`. */
export interface ClusterRoleFlags {
  node?: string;
  kubeconfig?: string;
  namespace?: string;
  stateDir: string;
  metricsAddress: string;
  logLevel: string;
}

/** What a cluster role gets from the shared wiring. */
export interface ClusterRoleContext {
  readonly node: string;
  /** This node's labels as the Node object has them now (read at every plan). */
  readonly labels: () => Readonly<Record<string, string>>;
  readonly log: Logger;
  readonly registry: Registry;
  readonly clock: Clock;
  /** For the timestamps written to status (lastTransitionTime and the like). */
  readonly wallClock: WallClock;
  readonly stateDir: string;
}

/** One running role: fed the complete set of live objects, asked for what it reports. */
export interface ClusterRoleInstance {
  /** Programs the node for exactly this model (of the live objects); resolves once the pass is done. */
  apply(model: Model): Promise<void>;
  /** The status items this node owns and the objects it cannot use, as of now. */
  report(): { readonly items: readonly NodeStatusItem[]; readonly issues: readonly NodeIssue[] };
  isSynced(): boolean;
  /** Faults that make the node not ready although it runs (readiness reasons). */
  faults?(): string[];
  close(): Promise<void>;
  /** Items to write once the role has stopped (a director: its groups as Stopped). */
  stoppedItems?(): readonly NodeStatusItem[];
  /** The role's part of `GET /status`. */
  statusParts(): Promise<StatusParts>;
}

/** Time for a cluster role; the command's action passes the system clocks, tests fakes. */
export interface ClusterRoleTime {
  /** Monotonic: the report tick, timeouts, and what the role measures. */
  readonly clock: Clock;
  /** Wall time for status timestamps. */
  readonly wallClock: WallClock;
}

/** The real clocks, which the commands' actions pass. */
export const systemRoleTime: ClusterRoleTime = { clock: systemClock, wallClock: systemWallClock };

/** A cluster role as `runClusterRole` runs it. */
export interface ClusterRoleSpec {
  readonly name: 'director' | 'realserver';
  /** Whether and where this role reads Secrets (only the director uses them). */
  readonly secrets: { readonly reading: SecretReading; readonly namespaces?: readonly string[] };
  /** The kinds whose status this role writes (and withdraws). */
  readonly statusKinds: readonly Kind[];
  /** Status this role wrote under an earlier field manager, withdrawn once at start. */
  readonly formerStatus?: (node: string) => {
    readonly fieldManager: string;
    readonly kind: Kind;
    readonly field: string;
  };
  start(ctx: ClusterRoleContext): Promise<ClusterRoleInstance>;
}

/** How often VRRP and health changes are looked for between object changes. */
const REPORT_INTERVAL_MS = 1_000;
/** Status items compared between two turns of the event loop. */
const REPORT_YIELD_EVERY = 50;

/** Adds the shared flags, with the environment the chart sets as fallbacks. */
export function clusterRoleOptions(cmd: Command, defaults: { stateDir: string; metricsPort: number }): Command {
  return cmd
    .option('--node <name>', "this node's name (default: NODE_NAME, from the downward API)", process.env['NODE_NAME'])
    .option('--kubeconfig <path>', 'kubeconfig file (default: KUBECONFIG, ~/.kube/config, or in-cluster)')
    .option(
      '--namespace <ns>',
      'watch only this namespace (default: LVS_WATCH_NAMESPACE, or all)',
      process.env['LVS_WATCH_NAMESPACE'] || undefined,
    )
    .option('--state-dir <dir>', 'where ownership records are kept across restarts', defaults.stateDir)
    .option(
      '--metrics-address <host:port>',
      "/metrics, /healthz, /readyz and /status (lvsctl status); the node's own address (the chart passes status.hostIP), never 0.0.0.0 unless asked: a host-network listener on every address answers on the VIPs too (default: LVS_METRICS_ADDRESS, or loopback)",
      process.env['LVS_METRICS_ADDRESS'] ?? `127.0.0.1:${defaults.metricsPort}`,
    )
    .option('--log-level <level>', 'trace, debug, info, warn or error', process.env['LOG_LEVEL'] ?? 'info');
}

/**
 * The cluster side of a node role: KubeSource informers (our kinds, referenced Secrets, Nodes),
 * the role fed the live objects (those being deleted left out, so the role removes what it
 * programmed for them) only once every informer has listed, then this node's status items
 * written under the role's field manager (`lvs-operator/<node>` for the director,
 * `lvs-operator/<node>/realserver`), items withdrawn where it no longer reports, and Events
 * on transitions. Applying and reporting are two loops (ApplyReportLoop), so a change never
 * waits for status writes; between object changes a report every second picks up VRRP and
 * health changes (writes and Events happen only on change).
 */
export async function runClusterRole(
  flags: ClusterRoleFlags,
  time: ClusterRoleTime,
  spec: ClusterRoleSpec,
): Promise<void> {
  const node = flags.node;
  if (!node) throw new UsageError('--node (or NODE_NAME) is required');
  const listen = parseListenAddress(flags.metricsAddress);
  const log = createRootLogger({ level: flags.logLevel, node });
  const kc = loadKubeConfig(flags.kubeconfig);
  const { clock, wallClock } = time;
  const registry = createRegistry({ version: packageVersion() });
  await mkdir(flags.stateDir, { recursive: true });
  const source = new KubeSource({
    clock,
    log,
    clients: kubeClients(kc),
    metrics: createInformerMetrics(registry),
    ...(flags.namespace ? { namespace: flags.namespace } : {}),
    secrets: spec.secrets.reading,
    ...(spec.secrets.namespaces ? { secretNamespaces: spec.secrets.namespaces } : {}),
  });
  const fieldManager = nodeFieldManager(node, spec.name);
  const writer = new StatusWriter({ applier: createStatusApplier(kc), fieldManager, log });
  const recorder = new EventRecorder({
    sink: createEventSink(kc),
    reportingInstance: `lvs-operator-${node}`,
    clock,
    log,
  });

  let objects: readonly ManifestObject[] = [];
  const models = new ModelCache();
  // Secrets referenced by the objects of the current pass.
  const resolveSecret: SecretResolver = (ns, name, key) => {
    const s = objects.find(
      (o): o is Secret => o.kind === 'Secret' && o.metadata.namespace === ns && o.metadata.name === name,
    );
    return s ? secretValue(s, key) : undefined;
  };
  let secretUnavailable: readonly SecretUnavailable[] = [];
  let labels: Readonly<Record<string, string>> = {};
  const role = await spec.start({
    node,
    labels: () => labels,
    log,
    registry,
    clock,
    wallClock,
    stateDir: flags.stateDir,
  });

  let changed = true;
  let retryWrites = false;
  // The node's Events, also kept for /status (the last RECENT_EVENTS).
  const events = new NodeEventLog(node, wallClock);
  const nodeReport = () => {
    const { items, issues } = role.report();
    return { items, issues: [...issues, ...secretIssues(secretUnavailable, labels)] };
  };
  const report = async () => {
    const { items, issues } = nodeReport();
    for (const e of events.observe(items, issues)) await recorder.record(e);
    const stale = spec.statusKinds.flatMap((k) =>
      staleStatusRefs(k, source.cachedList(k) as readonly CachedObject[], fieldManager, items),
    );
    const writes = [...items, ...stale.map((ref) => ({ ref, status: {} }))];
    retryWrites = false;
    for (const [i, w] of writes.entries()) {
      // Unchanged items resolve without I/O; yielding now and then lets a watch event (and the
      // apply it starts) in between, rather than after a thousand comparisons.
      if (i % REPORT_YIELD_EVERY === REPORT_YIELD_EVERY - 1) await new Promise((resolve) => setImmediate(resolve));
      try {
        await writer.write(w.ref, w.status);
      } catch (err) {
        retryWrites = true; // the writer forgot it; the next pass sends it again
        log.warn({ err, object: `${w.ref.kind} ${w.ref.namespace}/${w.ref.name}` }, 'status not written');
      }
    }
  };
  let formerWithdrawn = spec.formerStatus === undefined;
  const withdrawFormer = async () => {
    if (formerWithdrawn || !spec.formerStatus) return;
    const { fieldManager: former, kind, field } = spec.formerStatus(node);
    const old = new StatusWriter({ applier: createStatusApplier(kc), fieldManager: former, log });
    for (const ref of ownedStatusFieldRefs(kind, source.cachedList(kind) as readonly CachedObject[], former, field)) {
      await old.write(ref, {});
    }
    formerWithdrawn = true;
  };
  const passes = new ApplyReportLoop({
    apply: async () => {
      // A half-filled cache would make the role delete what it owns.
      if (!source.hasSynced || !changed) return false;
      changed = false;
      const snapshot = source.snapshot();
      labels = snapshot.nodes.find((n) => n.name === node)?.labels ?? {};
      objects = snapshot.objects.filter((o) => !isDeleting(o));
      secretUnavailable = snapshot.secretUnavailable.filter((u) => !isDeleting(u.group));
      // The edge: from here on the role sees the normalised model only.
      await role.apply(models.build(objects, resolveSecret));
      return true;
    },
    report: async () => {
      await withdrawFormer().catch((err: unknown) => log.warn({ err }, 'former status not withdrawn'));
      await report();
    },
    log,
  });
  source.onChange(() => {
    changed = true;
    void passes.requestApply(); // the queue logs a failed pass
  });
  const metrics = await startMetricsServer({
    registry,
    log,
    ...listen,
    documents: {
      '/status': statusDocument({
        node,
        roles: [spec.name],
        wallClock,
        report: nodeReport,
        parts: () => role.statusParts(),
        events,
      }),
    },
    readiness: () =>
      notReadyReasons([
        { name: 'informers', isSynced: () => source.hasSynced },
        { name: spec.name, isSynced: role.isSynced, ...(role.faults ? { faults: role.faults } : {}) },
      ]),
  });
  source.start();
  log.info({ role: spec.name, namespace: flags.namespace ?? '*', metrics: metrics.url }, 'cluster role started');
  // The first pass once every informer has listed; a failed pass is logged by the queue.
  void source.waitForSync().then(() => {
    log.info('informers synced');
    changed = true;
    return passes.requestApply();
  });
  const stopTicker = startTicker(clock, REPORT_INTERVAL_MS, () => {
    if (source.hasSynced || retryWrites) void passes.requestReport();
  });

  await waitForStopSignal(log);
  stopTicker();
  source.stop();
  await passes.idle();
  await role.close();
  await writeStopped(role.stoppedItems?.() ?? [], writer, clock, log);
  await metrics.close();
  log.info('stopped');
}

/** The groups that select this node and were left out because their Secret cannot be read, as issues (Events). */
export function secretIssues(
  unavailable: readonly SecretUnavailable[],
  labels: Readonly<Record<string, string>>,
): NodeIssue[] {
  return unavailable
    .filter((u) => u.group.spec.nodeSelector === undefined || matchesSelector(u.group.spec.nodeSelector, labels))
    .map((u) => ({
      ref: { kind: 'VrrpGroup', namespace: u.group.metadata.namespace, name: u.group.metadata.name },
      reason: 'SecretUnavailable',
      message: `spec.authentication.secretRef: ${u.message}; the group is not run`,
    }));
}

/** How long a stopping node tries to say so in status before it gives up. */
const STOPPED_WRITE_TIMEOUT_MS = 5_000;

/**
 * Best effort: a node that stops says so (a group item Stopped, so no reader takes it for the
 * master any longer), but an unreachable API server must not hold up the exit.
 */
async function writeStopped(
  items: readonly NodeStatusItem[],
  writer: StatusWriter,
  clock: Clock,
  log: Logger,
): Promise<void> {
  if (items.length === 0) return;
  let cancel: (() => void) | undefined;
  const timeout = new Promise<void>((resolve) => (cancel = clock.setTimer(STOPPED_WRITE_TIMEOUT_MS, resolve)));
  const writes = Promise.all(
    items.map((i) =>
      writer.write(i.ref, i.status).catch((err: unknown) => log.warn({ err }, 'stopped status not written')),
    ),
  );
  await Promise.race([writes, timeout]);
  cancel?.();
}
