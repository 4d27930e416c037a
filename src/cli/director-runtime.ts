import { endianness } from 'node:os';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { VipPolicy } from '../api/index.js';
import { messageOf, sharedResult, type Clock, type Logger } from '../core/index.js';
import type { DirectorTuning } from './flags.js';
import { Director, speakerRunner, type NodeIdentity, type ObservedTable } from '../director/index.js';
import {
  createNotifyRunner,
  createSystemCheckRunner,
  HealthMetrics,
  HealthMonitor,
  ProbeScheduler,
} from '../health/index.js';
import {
  createNetlinkClient,
  DEFAULT_DRAIN_POLICY,
  DEFAULT_IPVS_SYSCTLS,
  registerIpvsTrafficMetrics,
  DirectoryOwnershipStore,
  IpvsMetrics,
  IpvsReconciler,
} from '../ipvs/index.js';
import {
  Announcer,
  CommandMetrics,
  SpawnProcessRunner,
  type CommandPolicy,
  NativeCaptureSockets,
  NativePacketSockets,
  NativeRawIpSockets,
  NativeTunnelSockets,
  NetlinkAddresses,
  NetlinkL2Paths,
  NetlinkLinks,
  NftVipFilter,
  ProcSysctls,
  SynProber,
} from '../net/index.js';
import { FileVipRecordStore, rawTransportFactory, VrrpSpeaker } from '../vrrp/index.js';

/** How long one dump of the kernel table serves /status requests. */
const STATUS_TABLE_MAX_AGE_MS = 1_000;

export interface DirectorRuntimeOptions {
  readonly node: NodeIdentity;
  readonly log: Logger;
  readonly registry: Registry;
  readonly clock: Clock;
  /** Where the ownership records (IPVS services, VRRP VIPs) live (survive restarts). */
  readonly stateDir: string;
  /** The cluster administrator's VIP ranges (`--allow-vip`, `--deny-vip`); open when absent. */
  readonly vipPolicy?: VipPolicy;
  /** Kernel tuning from the flags; the defaults when absent. */
  readonly tuning?: DirectorTuning;
  /**
   * Which commands from objects run: standalone every one (ANY_COMMAND), the cluster director
   * only the admin's allowlist (--allow-command). Checked at planning and again before spawn.
   */
  readonly commandPolicy: CommandPolicy;
  /** keepalived's enable_script_security: refuse programs anyone but root could change. */
  readonly scriptSecurity?: boolean;
}

export interface DirectorRuntime {
  readonly director: Director;
  /** The director's clock (draining times are on it). */
  readonly clock: Clock;
  /** One dump of the kernel table with counters and rates, for /status; never throws. */
  table(): Promise<ObservedTable>;

  /** True once the first IPVS pass after the first objects has run. */
  isSynced(): boolean;
  /** Why the director runs degraded now (the IPVS ownership record cannot be written...). */
  faults(): string[];
  close(opts: { removeIpvs: boolean }): Promise<void>;
}

/**
 * The director role over the real kernel: IPVS over generic netlink, VRRP over raw sockets,
 * checks over real sockets and processes. Shared by `standalone` and the cluster `director`.
 */
export async function createDirectorRuntime(opts: DirectorRuntimeOptions): Promise<DirectorRuntime> {
  const { log, registry, clock } = opts;
  const ipvsClient = await createNetlinkClient({ log });
  registerIpvsTrafficMetrics({ registry, ipvs: ipvsClient, log });
  const ipvs = new IpvsReconciler({
    client: ipvsClient,
    log,
    clock,
    // One file per owned service; the single-file record of earlier versions
    // (ipvs-owned.json) is migrated into it.
    ownership: new DirectoryOwnershipStore({ dir: join(opts.stateDir, 'ipvs-owned') }),
    adopt: opts.tuning?.adoptIpvsServices ?? [],
    metrics: new IpvsMetrics(registry),
    drain: { ...DEFAULT_DRAIN_POLICY, drainMs: opts.tuning?.drainTimeoutMs ?? DEFAULT_DRAIN_POLICY.drainMs },
  });
  const healthMetrics = new HealthMetrics(registry);
  const commandMetrics = new CommandMetrics(registry);
  // The one process runner: commands from objects (MISC checks, notify hooks, track scripts),
  // under the command policy, and the system tools (nft for the VIP filter), outside it.
  // Planning leaves refused commands out already; a refusal here means a path around it, so it
  // is loud, once per program and reason (a track script would repeat it every interval).
  const runnerRefusals = new Set<string>();
  const processes = new SpawnProcessRunner({
    clock,
    policy: opts.commandPolicy,
    scriptSecurity: opts.scriptSecurity === true,
    onRefused: (request, refusal) => {
      commandMetrics.refused(request.kind);
      const key = JSON.stringify([request.argv[0], refusal.reason]);
      if (runnerRefusals.has(key)) return;
      runnerRefusals.add(key);
      log.error({ component: 'process-runner', command: request.argv[0], reason: refusal.reason }, 'command refused');
    },
  });
  // VIP-path probes (vipPathCheck): capture sockets open on first use, so a process without
  // CAP_NET_RAW reports it through the checker, once, instead of failing to start.
  const l2Paths = new NetlinkL2Paths(clock);
  const synProber = new SynProber({
    sockets: new NativeCaptureSockets(),
    tunnels: new NativeTunnelSockets(),
    clock,
    littleEndian: endianness() === 'LE',
  });
  const checks = createSystemCheckRunner(
    { clock, processes },
    { paths: l2Paths, prober: synProber, log, metrics: healthMetrics },
  );
  const scheduler = new ProbeScheduler({ clock, run: checks.run, log, metrics: healthMetrics });
  const health = new HealthMonitor({
    scheduler,
    log,
    metrics: healthMetrics,
    notify: createNotifyRunner({ clock, log, processes }),
  });
  const links = new NetlinkLinks();
  const addresses = new NetlinkAddresses();
  const speaker = new VrrpSpeaker({
    instances: [],
    clock,
    log,
    registry,
    links,
    addresses,
    vipFilter: new NftVipFilter(processes),
    announcer: new Announcer(new NativePacketSockets()),
    openTransport: rawTransportFactory(new NativeRawIpSockets()),
    commands: processes,
    vipRecord: new FileVipRecordStore(join(opts.stateDir, 'vrrp-vips.json')),
  });
  await speaker.start();
  const director = new Director({
    node: opts.node,
    log,
    registry,
    clock,
    vrrp: speakerRunner(speaker),
    ipvs,
    ipvsClient,
    health,
    commandPolicy: opts.commandPolicy,
    commandMetrics,
    ...(opts.vipPolicy ? { vipPolicy: opts.vipPolicy } : {}),
  });
  // After the netlink client: resolving the IPVS family loads ip_vs, which creates the sysctls.
  await director.setIpvsSysctls(new ProcSysctls(), opts.tuning?.ipvsSysctls ?? DEFAULT_IPVS_SYSCTLS);
  scheduler.start();
  director.start();
  return {
    director,
    clock,
    // Clients polling /status (lvsctl status --watch, several at once) share one dump a second.
    table: sharedResult(
      () =>
        ipvsClient.dump({ stats: true }).then(
          (services): ObservedTable => ({ ok: true, services }),
          (err: unknown): ObservedTable => ({ ok: false, error: messageOf(err) }),
        ),
      STATUS_TABLE_MAX_AGE_MS,
    ),
    isSynced: () => director.hasSynced(),
    faults: () => {
      const fault = ipvs.recordFault();
      return fault ? [`ipvs ownership record: ${fault.message}`] : [];
    },
    close: async ({ removeIpvs }) => {
      await director.stop({ removeIpvs });
      scheduler.stop();
      checks.close();
      synProber.close();
      l2Paths.close();
      ipvsClient.close();
      links.close();
      addresses.close();
    },
  };
}
