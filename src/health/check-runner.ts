/**
 * The real {@link CheckRunner}: dispatches a probe to the checker of its type, like
 * keepalived's per-type `checker_funcs_t` table (check_api.h).
 */
import { assertNever } from '../core/index.js';
import type { CheckerDeps, CheckRunner } from './checker.js';
import { createDnsChecker } from './dns-check.js';
import { createFileChecker } from './file-check.js';
import { createHttpChecker } from './http-check.js';
import { createMiscChecker } from './misc-check.js';
import { createPingChecker } from './ping-check.js';
import { createSmtpChecker } from './smtp-check.js';
import { createTcpChecker } from './tcp-check.js';
import { createUdpChecker } from './udp-check.js';
import { createVipPathChecker, type VipPathDeps } from './vip-path-check.js';

/** A check runner plus the resources (raw sockets) it holds. */
export interface SystemCheckRunner {
  readonly run: CheckRunner;
  close(): void;
}

/**
 * Builds every checker over real sockets, processes and files. Without `vipPath`, VIP_PATH
 * probes cannot run: Auto ones pass as not checked, Enabled ones fail.
 */
export function createSystemCheckRunner(deps: CheckerDeps, vipPath?: VipPathDeps): SystemCheckRunner {
  const http = createHttpChecker(deps);
  const tcp = createTcpChecker(deps);
  const smtp = createSmtpChecker(deps);
  const dns = createDnsChecker(deps);
  const udp = createUdpChecker(deps);
  const ping = createPingChecker(deps);
  const misc = createMiscChecker(deps);
  const file = createFileChecker(deps);
  const vip = vipPath ? createVipPathChecker(deps, vipPath) : undefined;
  const run: CheckRunner = (probe, signal) => {
    switch (probe.type) {
      case 'HTTP':
      case 'HTTPS':
        return http(probe, signal);
      case 'TCP':
        return tcp(probe, signal);
      case 'SMTP':
        return smtp(probe, signal);
      case 'DNS':
        return dns(probe, signal);
      case 'UDP':
        return udp(probe, signal);
      case 'PING':
        return ping.check(probe, signal);
      case 'MISC':
        return misc(probe, signal);
      case 'FILE':
        return file(probe, signal);
      case 'VIP_PATH':
        if (vip) return vip(probe, signal);
        return Promise.resolve(
          probe.mode === 'Enabled'
            ? { ok: false, reason: 'error', detail: 'VIP path: this process has no VIP-path prober', latencyMs: 0 }
            : { ok: true, latencyMs: 0, detail: 'not checked: this process has no VIP-path prober' },
        );
      default:
        return assertNever(probe, 'probe type');
    }
  };
  return { run, close: () => ping.close() };
}
