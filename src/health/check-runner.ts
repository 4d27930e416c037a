/**
 * The real {@link CheckRunner}: dispatches a probe to the checker of its type, like
 * keepalived's per-type `checker_funcs_t` table (check_api.h).
 */
import { assertNever } from '../core/errors.js';
import type { CheckerDeps, CheckRunner } from './checker.js';
import { createDnsChecker } from './dns-check.js';
import { createFileChecker } from './file-check.js';
import { createHttpChecker } from './http-check.js';
import { createMiscChecker } from './misc-check.js';
import { createPingChecker } from './ping-check.js';
import { createSmtpChecker } from './smtp-check.js';
import { createTcpChecker } from './tcp-check.js';
import { createUdpChecker } from './udp-check.js';

/** A check runner plus the resources (raw sockets) it holds. */
export interface SystemCheckRunner {
  readonly run: CheckRunner;
  close(): void;
}

/** Builds every checker over real sockets, processes and files. */
export function createSystemCheckRunner(deps: CheckerDeps): SystemCheckRunner {
  const http = createHttpChecker(deps);
  const tcp = createTcpChecker(deps);
  const smtp = createSmtpChecker(deps);
  const dns = createDnsChecker(deps);
  const udp = createUdpChecker(deps);
  const ping = createPingChecker(deps);
  const misc = createMiscChecker(deps);
  const file = createFileChecker(deps);
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
      default:
        return assertNever(probe, 'probe type');
    }
  };
  return { run, close: () => ping.close() };
}
