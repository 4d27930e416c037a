import type { IpvsError, IpvsInvalidObjectError } from './errors.js';
import type { IpvsInfo, ObservedService, Op, SyncDaemon, Timeouts, ZeroTarget } from './types.js';

/** Options of {@link IpvsClient.dump}. */
export interface DumpOptions {
  readonly stats?: boolean;
}

/** The outcome of one Op in {@link IpvsClient.apply}: ok, or the kernel's refusal. */
export interface OpResult {
  readonly op: Op;
  readonly error?: IpvsError | IpvsInvalidObjectError;
}

/**
 * The kernel port: a narrow set of verbs over the project's own structures (kube-proxy's
 * `util/ipvs.go` Interface is the model). Calls may be made concurrently; implementations
 * serialise them, so each sees the effects of the ones before it.
 */
export interface IpvsClient {
  /** GET_INFO: IPVS version and connection table size. */
  info(): Promise<IpvsInfo>;
  /**
   * The whole table: every service with its destinations, in kernel order, with counters
   * unless `stats` is false (then every counter reads 0: a reconcile pass needs none, and
   * decoding 64-bit counters is a good part of a dump's cost).
   */
  dump(opts?: DumpOptions): Promise<ObservedService[]>;
  /**
   * Applies the ops in order. A refused op does not stop the others: every op gets a result.
   * Idempotent outcomes are successes: an add that finds the object updates it, a delete that
   * finds nothing is done, an update of a missing destination adds it (keepalived's ipvs_talk).
   * Throws only when the transport fails.
   */
  apply(ops: readonly Op[]): Promise<OpResult[]>;
  /** GET_CONFIG: the TCP, TCP FIN and UDP connection timeouts. */
  getTimeouts(): Promise<Timeouts>;
  /** SET_CONFIG; a zero leaves that timeout unchanged. */
  setTimeouts(t: Timeouts): Promise<void>;
  /** ZERO: resets counters of one service or of everything. */
  zero(target: ZeroTarget): Promise<void>;
  /** NEW_DAEMON: starts a connection synchronisation daemon. */
  startDaemon(d: SyncDaemon): Promise<void>;
  /** DEL_DAEMON: stops the master or backup daemon. */
  stopDaemon(state: SyncDaemon['state']): Promise<void>;
  /** GET_DAEMON: the running synchronisation daemons. */
  daemons(): Promise<SyncDaemon[]>;
  /** Releases the socket; later calls fail. */
  close(): void;
}
