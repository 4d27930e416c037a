import { hostname } from 'node:os';
import type { Command } from 'commander';
import { Controller } from '../controller/index.js';
import { systemClock, createRootLogger } from '../core/index.js';
import { createRegistry, startMetricsServer } from '../metrics/index.js';
import { loadKubeConfig } from '../kube/index.js';
import { packageVersion, parseListenAddress } from './flags.js';

interface ControllerFlags {
  kubeconfig?: string;
  namespace?: string;
  leaseNamespace: string;
  identity: string;
  metricsAddress: string;
  logLevel: string;
}

/** `lvs-operator controller`: the leader-elected, cluster-wide role. */
export function registerController(program: Command): void {
  program
    .command('controller')
    .description('Cluster-wide checks (VRID and VIP conflicts), aggregated status, cleanup after deleted nodes')
    .option('--kubeconfig <path>', 'kubeconfig file (default: KUBECONFIG, ~/.kube/config, or in-cluster)')
    .option('--namespace <ns>', 'watch only this namespace (default: LVS_WATCH_NAMESPACE, or all)')
    .option(
      '--lease-namespace <ns>',
      'namespace of the leader-election Lease',
      process.env['POD_NAMESPACE'] ?? 'default',
    )
    .option('--identity <id>', 'leader-election identity', process.env['POD_NAME'] ?? `${hostname()}-${process.pid}`)
    .option(
      '--metrics-address <host:port>',
      '/metrics, /healthz and /readyz',
      process.env['LVS_METRICS_ADDRESS'] ?? '127.0.0.1:9402',
    )
    .option('--log-level <level>', 'trace, debug, info, warn or error', process.env['LOG_LEVEL'] ?? 'info')
    .action(async (flags: ControllerFlags) => {
      const log = createRootLogger({ level: flags.logLevel });
      const namespace = flags.namespace ?? process.env['LVS_WATCH_NAMESPACE'];
      const kc = loadKubeConfig(flags.kubeconfig);
      const registry = createRegistry({ version: packageVersion() });
      const controller = new Controller({
        kc,
        clock: systemClock,
        log,
        registry,
        identity: flags.identity,
        leaseNamespace: flags.leaseNamespace,
        ...(namespace ? { namespace } : {}),
      });
      const metrics = await startMetricsServer({
        registry,
        log,
        ...parseListenAddress(flags.metricsAddress),
        readiness: () => controller.notReadyReasons(),
      });
      controller.start();
      log.info({ identity: flags.identity, metrics: metrics.url }, 'controller started');
      await new Promise<void>((resolve) => {
        process.once('SIGTERM', resolve);
        process.once('SIGINT', resolve);
      });
      log.info('controller stopping');
      await controller.stop();
      await metrics.close();
    });
}
