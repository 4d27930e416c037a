import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** Paths that may hold secrets; pino replaces them before a line is written. */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'authPass',
  '*.authPass',
  'auth_pass',
  '*.auth_pass',
  'authentication.password',
  '*.authentication.password',
  'data',
  '*.data',
  'stringData',
  '*.stringData',
];

export interface RootLoggerOptions {
  level?: string;
  /** Human-readable output; defaults to whether stderr is a terminal. */
  pretty?: boolean;
  node?: string;
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
  return pino(base, pino.destination(2));
}

/** A logger that writes nothing, for tests and library callers that do not care. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
