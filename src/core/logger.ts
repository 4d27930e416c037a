import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * Paths that may hold secrets; pino replaces them before a line is written. Defence in depth:
 * no code logs a Secret or a password on purpose, but an object logged whole (a Secret, a VRRP
 * instance config with its PASS password, an API request) must not carry one out. pino's `*`
 * matches one level, so the usual keys are listed down to four levels.
 */
export const REDACT_PATHS = [
  ...['password', 'authPass', 'auth_pass', 'data', 'stringData', 'token', 'bearerToken'].flatMap((key) => [
    key,
    `*.${key}`,
    `*.*.${key}`,
    `*.*.*.${key}`,
  ]),
  'headers.authorization',
  '*.headers.authorization',
];

export interface RootLoggerOptions {
  level?: string;
  /** Human-readable output; defaults to whether stderr is a terminal. */
  pretty?: boolean;
  node?: string;
  /** Where JSON lines go (default: stderr); a test seam. */
  destination?: DestinationStream;
}

/**
 * The one root logger of a process, created by src/cli and passed down. JSON to stderr, or
 * pino-pretty when a terminal is attached (NO_COLOR honoured).
 */
export function createRootLogger(opts: RootLoggerOptions = {}): Logger {
  const pretty = opts.pretty ?? process.stderr.isTTY === true;
  const base: LoggerOptions = {
    level: opts.level ?? process.env['LOG_LEVEL'] ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: opts.node ? { node: opts.node } : {},
  };
  if (pretty) {
    return pino({
      ...base,
      transport: {
        target: 'pino-pretty',
        options: { destination: 2, colorize: !process.env['NO_COLOR'], translateTime: 'SYS:HH:MM:ss.l' },
      },
    });
  }
  return pino(base, opts.destination ?? pino.destination(2));
}

/** A logger that writes nothing, for tests and library callers that do not care. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
