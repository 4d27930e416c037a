import { Counter, Gauge, type Registry } from 'prom-client';
import { messageOf, sharedResult } from '../core/index.js';
import type { Logger } from '../core/index.js';
import type { IpvsClient } from './client.js';
import type { ObservedDestination, ObservedService, Stats } from './types.js';

/**
 * IPVS traffic from the kernel's own counters, read on scrape: connections, packets and bytes
 * per virtual service and per real server, and each real server's active/inactive connections
 * and weight. One netlink dump serves every metric of a scrape. Labels follow node_exporter's
 * ipvs collector (`local_address`, `local_port`, `local_mark`, `proto`, `remote_address`,
 * `remote_port`), so dashboards built on it carry over; docs/metrics.md maps the names.
 */
export interface IpvsTrafficOptions {
  readonly registry: Registry;
  readonly ipvs: Pick<IpvsClient, 'dump'>;
  readonly log: Logger;
  /** Scrapes closer together than this share one dump. */
  readonly maxAgeMs?: number;
}

const SERVICE_LABELS = ['local_address', 'local_port', 'local_mark', 'proto'] as const;
const DEST_LABELS = [...SERVICE_LABELS, 'remote_address', 'remote_port'] as const;
type ServiceLabels = Record<(typeof SERVICE_LABELS)[number], string>;
type DestLabels = Record<(typeof DEST_LABELS)[number], string>;

function serviceLabels(s: ObservedService): ServiceLabels {
  return s.key.kind === 'addr'
    ? { local_address: s.key.address, local_port: String(s.key.port), local_mark: '', proto: s.key.protocol }
    : { local_address: '', local_port: '0', local_mark: String(s.key.fwmark), proto: s.key.af };
}

function destLabels(service: ServiceLabels, d: ObservedDestination): DestLabels {
  return { ...service, remote_address: d.key.address, remote_port: String(d.key.port) };
}

/** Registers the metrics; they are filled from a dump whenever the registry is scraped. */
export function registerIpvsTrafficMetrics(opts: IpvsTrafficOptions): void {
  const { registry, ipvs, log } = opts;
  const maxAgeMs = opts.maxAgeMs ?? 500;
  const registers = [registry];
  let failing = false;

  // Registered last (below): a scrape collects in registration order, so the dump has run.
  const scrapeErrors = new Counter({
    name: 'lvs_ipvs_stats_scrape_errors_total',
    help: 'Scrapes whose dump of the IPVS table with counters failed (the traffic metrics are then empty).',
    registers: [],
  });

  /** The dump of this scrape, shared by every metric's collect. */
  const current = sharedResult(
    (): Promise<ObservedService[] | undefined> =>
      ipvs.dump({ stats: true }).then(
        (services) => {
          if (failing) log.info('IPVS counters readable again');
          failing = false;
          return services;
        },
        (err: unknown) => {
          scrapeErrors.inc();
          if (!failing) log.warn({ err: messageOf(err) }, 'cannot read the IPVS counters; traffic metrics are empty');
          failing = true;
          return undefined;
        },
      ),
    maxAgeMs,
  );

  type Rows<L extends string> = (services: readonly ObservedService[]) => [Record<L, string>, number][];
  /**
   * A collect that replaces the instrument's values with this scrape's rows: reset, then add
   * each row to zero (one row per label set, so for a gauge this is a set). No rows when the
   * dump failed.
   */
  const refill = <L extends string>(rows: Rows<L>) =>
    async function (this: { reset(): void; inc(labels: Record<L, string>, value: number): void }): Promise<void> {
      const services = await current();
      this.reset();
      for (const [labels, value] of services ? rows(services) : []) this.inc(labels, value);
    };

  const perService =
    (field: keyof Stats): Rows<keyof ServiceLabels> =>
    (services) =>
      services.map((s) => [serviceLabels(s), Number(s.stats[field])]);
  const perDest =
    (pick: (d: ObservedDestination) => bigint | number): Rows<keyof DestLabels> =>
    (services) =>
      services.flatMap((s) => {
        const sl = serviceLabels(s);
        return s.destinations.map((d): [DestLabels, number] => [destLabels(sl, d), Number(pick(d))]);
      });

  /** A counter per virtual service mirroring one kernel counter. */
  const serviceCounter = (name: string, help: string, field: keyof Stats): void => {
    new Counter({ name, help, labelNames: SERVICE_LABELS, registers, collect: refill(perService(field)) });
  };
  /** A counter per real server mirroring one kernel counter. */
  const backendCounter = (name: string, help: string, field: keyof Stats): void => {
    new Counter({ name, help, labelNames: DEST_LABELS, registers, collect: refill(perDest((d) => d.stats[field])) });
  };
  /** A gauge per real server: a value the kernel keeps for it now. */
  const backendGauge = (name: string, help: string, pick: (d: ObservedDestination) => number): void => {
    new Gauge({ name, help, labelNames: DEST_LABELS, registers, collect: refill(perDest(pick)) });
  };

  serviceCounter(
    'lvs_ipvs_service_connections_total',
    'Connections scheduled by a virtual service (kernel counter).',
    'conns',
  );
  serviceCounter(
    'lvs_ipvs_service_incoming_packets_total',
    'Packets from clients to a virtual service (kernel counter).',
    'inPkts',
  );
  serviceCounter(
    'lvs_ipvs_service_outgoing_packets_total',
    'Packets from real servers back through the director (NAT only; kernel counter).',
    'outPkts',
  );
  serviceCounter(
    'lvs_ipvs_service_incoming_bytes_total',
    'Bytes from clients to a virtual service (kernel counter).',
    'inBytes',
  );
  serviceCounter(
    'lvs_ipvs_service_outgoing_bytes_total',
    'Bytes from real servers back through the director (NAT only; kernel counter).',
    'outBytes',
  );
  backendCounter(
    'lvs_ipvs_backend_connections_total',
    'Connections a virtual service sent to a real server (kernel counter).',
    'conns',
  );
  backendCounter(
    'lvs_ipvs_backend_incoming_packets_total',
    'Packets a virtual service forwarded to a real server (kernel counter).',
    'inPkts',
  );
  backendCounter(
    'lvs_ipvs_backend_incoming_bytes_total',
    'Bytes a virtual service forwarded to a real server (kernel counter).',
    'inBytes',
  );
  backendGauge(
    'lvs_ipvs_backend_connections_active',
    'Established connections to a real server (ActiveConn in ipvsadm).',
    (d) => d.activeConns,
  );
  backendGauge(
    'lvs_ipvs_backend_connections_inactive',
    'Other connection entries to a real server (InActConn in ipvsadm).',
    (d) => d.inactiveConns,
  );
  backendGauge(
    'lvs_ipvs_backend_weight',
    'The weight of a real server in the kernel table (0: no new connections).',
    (d) => d.weight,
  );
  registry.registerMetric(scrapeErrors);
}
