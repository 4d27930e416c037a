import { LvsError } from '../core/index.js';

/** A VRRP socket could not be opened or configured. */
export class TransportError extends LvsError {
  readonly op: string;
  readonly iface: string;

  constructor(op: string, iface: string, options?: { cause?: unknown }) {
    super('LVS_VRRP_TRANSPORT', `VRRP socket ${op} failed on ${iface}`, options);
    this.op = op;
    this.iface = iface;
  }
}

/** An instance configuration cannot run on this node (no such interface, no source address). */
export class VrrpConfigError extends LvsError {
  readonly instance: string;

  constructor(instance: string, message: string, options?: { cause?: unknown }) {
    super('LVS_VRRP_CONFIG', `${instance}: ${message}`, options);
    this.instance = instance;
  }
}
