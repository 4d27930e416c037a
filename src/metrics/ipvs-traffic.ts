import { Counter, Gauge, type Registry } from 'prom-client';
import { messageOf } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { IpvsClient } from '../ipvs/client.js';
import type { ObservedDestination, ObservedService, Stats } from '../ipvs/types.js';

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
  let last: { at: number; dump: Promise<ObservedService[] | undefined> } | undefined;
  let failing = false;

  // Registered last (below): a scrape collects in registration order, so the dump has run.
  const scrapeErrors = new Counter({
    name: 'lvs_ipvs_stats_scrape_errors_total',
    help: 'Scrapes whose dump of the IPVS table with counters failed (the traffic metrics are then empty).',
    registers: [],
  });

  /** The dump of this scrape, shared by every metric's collect. */
  const current = (): Promise<ObservedService[] | undefined> => {
    const now = performance.now();
    if (last && now - last.at < maxAgeMs) return last.dump;
    const dump = ipvs.dump({ stats: true }).then(
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
    );
    last = { at: now, dump };
    return dump;
  };

  type Rows<L extends string> = (services: readonly ObservedService[]) => [Record<L, string>, number][];
  /** The rows of this scrape's dump, none when it failed. */
  const rowsNow = async <L extends string>(rows: Rows<L>): Promise<[Record<L, string>, number][]> => {
    const services = await current();
    return services ? rows(services) : [];
  };
  /** A counter mirroring a kernel counter: reset and set to the kernel's value on each scrape. */
  const mirror = <L extends string>(name: string, help: string, labelNames: readonly L[], rows: Rows<L>): void => {
    new Counter<L>({
      name,
      help,
      labelNames,
      registers,
      async collect() {
        const now = await rowsNow(rows);
        this.reset();
        for (const [labels, value] of now) this.inc(labels, value);
      },
    });
  };
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[], rows: Rows<L>): void => {
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers,
      async collect() {
        const now = await rowsNow(rows);
        this.reset();
        for (const [labels, value] of now) this.set(labels, value);
      },
    });
  };

  const perService =
    (pick: (s: Stats) => bigint): Rows<keyof ServiceLabels> =>
    (services) =>
      services.map((s) => [serviceLabels(s), Number(pick(s.stats))]);
  const perDest =
    (pick: (d: ObservedDestination) => bigint | number): Rows<keyof DestLabels> =>
    (services) =>
      services.flatMap((s) => {
        const sl = serviceLabels(s);
        return s.destinations.map((d): [DestLabels, number] => [destLabels(sl, d), Number(pick(d))]);
      });

  mirror(
    'lvs_ipvs_service_connections_total',
    'Connections scheduled by a virtual service (kernel counter).',
    SERVICE_LABELS,
    perService((st) => st.conns),
  );
  mirror(
    'lvs_ipvs_service_incoming_packets_total',
    'Packets from clients to a virtual service (kernel counter).',
    SERVICE_LABELS,
    perService((st) => st.inPkts),
  );
  mirror(
    'lvs_ipvs_service_outgoing_packets_total',
    'Packets from real servers back through the director (NAT only; kernel counter).',
    SERVICE_LABELS,
    perService((st) => st.outPkts),
  );
  mirror(
    'lvs_ipvs_service_incoming_bytes_total',
    'Bytes from clients to a virtual service (kernel counter).',
    SERVICE_LABELS,
    perService((st) => st.inBytes),
  );
  mirror(
    'lvs_ipvs_service_outgoing_bytes_total',
    'Bytes from real servers back through the director (NAT only; kernel counter).',
    SERVICE_LABELS,
    perService((st) => st.outBytes),
  );
  mirror(
    'lvs_ipvs_backend_connections_total',
    'Connections a virtual service sent to a real server (kernel counter).',
    DEST_LABELS,
    perDest((d) => d.stats.conns),
  );
  mirror(
    'lvs_ipvs_backend_incoming_packets_total',
    'Packets a virtual service forwarded to a real server (kernel counter).',
    DEST_LABELS,
    perDest((d) => d.stats.inPkts),
  );
  mirror(
    'lvs_ipvs_backend_incoming_bytes_total',
    'Bytes a virtual service forwarded to a real server (kernel counter).',
    DEST_LABELS,
    perDest((d) => d.stats.inBytes),
  );
  gauge(
    'lvs_ipvs_backend_connections_active',
    'Established connections to a real server (ActiveConn in ipvsadm).',
    DEST_LABELS,
    perDest((d) => d.activeConns),
  );
  gauge(
    'lvs_ipvs_backend_connections_inactive',
    'Other connection entries to a real server (InActConn in ipvsadm).',
    DEST_LABELS,
    perDest((d) => d.inactiveConns),
  );
  gauge(
    'lvs_ipvs_backend_weight',
    'The weight of a real server in the kernel table (0: no new connections).',
    DEST_LABELS,
    perDest((d) => d.weight),
  );
  registry.registerMetric(scrapeErrors);
}
