import { SCHEDULERS } from '../api/index.js';
import { constants } from 'node:os';
import type { DumpOptions, IpvsClient, OpResult } from './client.js';
import { IpvsError, IpvsTransportError, objectOf, type IpvsOperation } from './errors.js';
import {
  ZERO_STATS,
  destId,
  serviceId,
  type Destination,
  type IpvsInfo,
  type ObservedDestination,
  type ObservedService,
  type Op,
  type OpKind,
  type Service,
  type ServiceKey,
  type SyncDaemon,
  type Timeouts,
  type ZeroTarget,
} from './types.js';

/** A failure to inject: the next matching operations fail with `errno`. */
export interface FailOn {
  readonly op: OpKind | IpvsOperation;
  readonly errno: number;
  /** Only ops for which this returns true (default: every op of the kind). */
  readonly match?: (op: Op) => boolean;
  /** How many times to fail (default: always). */
  times?: number;
}

/** Schedulers of Linux 6.1's net/netfilter/ipvs (ip_vs_twos arrived in 6.2). */
export const KERNEL_SCHEDULERS: readonly string[] = SCHEDULERS.filter((s) => s !== 'twos');

interface FakeService {
  service: Service;
  /** Newest first, as the kernel lists them (list_add_rcu in ip_vs_new_dest). */
  dests: ObservedDestination[];
}

/**
 * In-memory IpvsClient with the kernel's semantics (a destination needs its service, unknown
 * schedulers are refused, thresholds are checked) and the real adapter's idempotence. It
 * records every op it was asked to apply and can be told to fail (`failOn`). For tests only.
 */
export class FakeIpvsClient implements IpvsClient {
  /** Every op passed to apply(), in order, including refused ones. */
  readonly opLog: Op[] = [];
  /** Failures to inject. */
  readonly failOn: FailOn[] = [];
  /** Connection counts to report, by service and destination id (set by tests). */
  readonly connections = new Map<string, { active: number; inactive: number }>();
  private readonly services = new Map<string, FakeService>();
  private timeouts: Timeouts = { tcpMs: 900_000, tcpFinMs: 120_000, udpMs: 300_000 };
  private readonly running = new Map<SyncDaemon['state'], SyncDaemon>();
  private closed = false;

  constructor(readonly schedulers: readonly string[] = KERNEL_SCHEDULERS) {}

  private check(op: IpvsOperation): void {
    if (this.closed) throw new IpvsTransportError(op, constants.errno.EBADF, 'client closed');
  }

  private injected(kind: OpKind | IpvsOperation, op?: Op): number | undefined {
    for (const f of this.failOn) {
      if (f.op !== kind || (op && f.match && !f.match(op))) continue;
      if (f.times !== undefined) {
        if (f.times <= 0) continue;
        f.times--;
      }
      return f.errno;
    }
    return undefined;
  }

  info(): Promise<IpvsInfo> {
    this.check('getInfo');
    return Promise.resolve({ version: 0x010201, connTableSize: 4096 });
  }

  dump(_opts?: DumpOptions): Promise<ObservedService[]> {
    this.check('dumpServices');
    const errno = this.injected('dumpServices');
    if (errno !== undefined) return Promise.reject(new IpvsError('dumpServices', errno));
    return Promise.resolve(
      [...this.services.values()].map((s) => ({
        ...s.service,
        stats: ZERO_STATS,
        destinations: s.dests.map((d) => {
          const c = this.connections.get(`${serviceId(s.service.key)}>${destId(d.key)}`);
          return c ? { ...d, activeConns: c.active, inactiveConns: c.inactive } : d;
        }),
      })),
    );
  }

  apply(ops: readonly Op[]): Promise<OpResult[]> {
    this.check('addService');
    return Promise.resolve(
      ops.map((op) => {
        this.opLog.push(op);
        const injected = this.injected(op.op, op);
        const errno = injected ?? this.applyOne(op);
        return errno === 0 ? { op } : { op, error: new IpvsError(op.op, errno, objectOf(op)) };
      }),
    );
  }

  /** Applies one op; returns 0 or the errno the kernel would give after the adapter's retries. */
  private applyOne(op: Op): number {
    const { EEXIST, EINVAL, ENOENT, ESRCH, ERANGE } = constants.errno;
    switch (op.op) {
      case 'addService':
      case 'updateService': {
        if (!this.schedulers.includes(op.service.scheduler)) return ENOENT;
        const existing = this.services.get(serviceId(op.service.key));
        if (existing && op.op === 'addService' && op.exclusive) return EEXIST;
        if (existing) existing.service = op.service;
        else this.services.set(serviceId(op.service.key), { service: op.service, dests: [] });
        return 0;
      }
      case 'deleteService':
        this.services.delete(serviceId(op.key));
        return 0;
      case 'addDestination':
      case 'updateDestination': {
        const s = this.services.get(serviceId(op.service));
        if (!s) return ESRCH;
        const d = op.destination;
        if (d.weight < 0) return ERANGE;
        if (d.lowerThreshold > d.upperThreshold) return ERANGE;
        if (d.key.af !== op.service.af && d.forwarding !== 'tunnel') return EINVAL;
        const i = s.dests.findIndex((x) => destId(x.key) === destId(d.key));
        const observed = observe(d, s.service.key, i === -1 ? undefined : s.dests[i]);
        if (i === -1) s.dests.unshift(observed);
        else s.dests[i] = observed;
        return 0;
      }
      case 'deleteDestination': {
        const s = this.services.get(serviceId(op.service));
        if (s) s.dests = s.dests.filter((x) => destId(x.key) !== destId(op.key));
        return 0;
      }
    }
  }

  getTimeouts(): Promise<Timeouts> {
    this.check('getTimeouts');
    return Promise.resolve(this.timeouts);
  }

  setTimeouts(t: Timeouts): Promise<void> {
    this.check('setTimeouts');
    this.timeouts = {
      tcpMs: t.tcpMs || this.timeouts.tcpMs,
      tcpFinMs: t.tcpFinMs || this.timeouts.tcpFinMs,
      udpMs: t.udpMs || this.timeouts.udpMs,
    };
    return Promise.resolve();
  }

  zero(target: ZeroTarget): Promise<void> {
    this.check('zero');
    if (!target.all && !this.services.has(serviceId(target.service))) {
      return Promise.reject(new IpvsError('zero', constants.errno.ESRCH, { service: target.service }));
    }
    return Promise.resolve();
  }

  startDaemon(d: SyncDaemon): Promise<void> {
    this.check('startDaemon');
    if (this.running.has(d.state)) return Promise.reject(new IpvsError('startDaemon', constants.errno.EEXIST));
    this.running.set(d.state, { ...d, syncMaxLen: d.syncMaxLen || 1472, mcastGroup: d.mcastGroup || '224.0.0.81' });
    return Promise.resolve();
  }

  stopDaemon(state: SyncDaemon['state']): Promise<void> {
    this.check('stopDaemon');
    if (!this.running.delete(state)) return Promise.reject(new IpvsError('stopDaemon', constants.errno.ESRCH));
    return Promise.resolve();
  }

  daemons(): Promise<SyncDaemon[]> {
    this.check('getDaemons');
    return Promise.resolve([...this.running.values()]);
  }

  close(): void {
    this.closed = true;
  }
}

function observe(d: Destination, _svc: ServiceKey, before: ObservedDestination | undefined): ObservedDestination {
  return {
    ...d,
    activeConns: before?.activeConns ?? 0,
    inactiveConns: before?.inactiveConns ?? 0,
    persistConns: before?.persistConns ?? 0,
    stats: before?.stats ?? ZERO_STATS,
  };
}
